/**
 * `ReplayedTrainingStep`: deprecated, kept for callers of 0.x. It is now `SplitReplayedStep`
 * (split-replayed-step.ts), the trainer's step, behind the old interface: one call runs the
 * gradients and the SGD update, replayed on WebGPU once settled (the update from the third call,
 * the gradients from the fourth), giving the weights of the same steps through TF.js to the bit.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainingLossFunction } from './model-gradients.js';
import type { Sgd } from './sgd.js';
import { SplitReplayedStep } from './split-replayed-step.js';

export type { TrainingLossFunction } from './model-gradients.js';

/** @deprecated Use `SplitReplayedStep.forModel(model, optimizer, loss)` and its `step` / `stepDirect`. */
export class ReplayedTrainingStep {
  private readonly replayed: SplitReplayedStep;

  constructor(model: tfl.LayersModel, optimizer: Sgd, loss: TrainingLossFunction) {
    this.replayed = SplitReplayedStep.forModel(model, optimizer, loss);
  }

  /** One step on `images` and `labels` at learning rate `lr`; returns the loss (the caller owns it). */
  run(images: tf.Tensor, labels: tf.Tensor, lr: number): tf.Scalar {
    return this.replayed.step([images], [labels], lr);
  }

  /** One step through TF.js, never captured or replayed. */
  runDirect(images: tf.Tensor, labels: tf.Tensor, lr: number): tf.Scalar {
    return this.replayed.stepDirect([images], [labels], lr);
  }

  /** Steps whose update `run` ran through TF.js, captured, and replayed. */
  get counts(): SplitReplayedStep['counts'][1] {
    return this.replayed.counts[1];
  }

  /** Dispatches per replayed step, once captured. */
  get dispatchCount(): number | undefined {
    return this.replayed.dispatchCount;
  }

  /** Bytes of GPU buffers the captures hold. */
  get heldBytes(): number {
    return this.replayed.heldBytes;
  }

  /** Frees the captures; the next calls run through TF.js. */
  dispose(): void {
    this.replayed.dispose();
  }
}
