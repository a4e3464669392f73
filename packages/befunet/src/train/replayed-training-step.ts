/**
 * A training step (forward in training mode, loss, gradients, the SGD update) replayed on WebGPU
 * from a capture (CapturedCall in @befunet/common), without TF.js's CPU work per kernel launch.
 *
 * The first call runs through TF.js (it creates the optimizer's slots), the second is captured, the
 * later ones replay it: the weights and momentum buffers are left holding their new values as after
 * a TF.js step; drop path draws new factors for every step; the learning rate is an input. Same
 * kernels, same order: N replayed steps give the weights of N TF.js steps to the last bit (tested).
 * Loading weights or an optimizer state makes the capture stale; the next call runs through TF.js
 * and the one after captures again. On other backends every call runs through TF.js.
 *
 * It is the benchmark's step: the trainer reads the loss back before updating (to refuse a NaN
 * step), which a single captured call cannot do.
 */
import { ReplayedCall } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Sgd, withLearningRate } from './sgd.js';
import { trainingState } from './slot-optimizer.js';

/** The loss of the model's training-mode outputs against the labels. */
export type TrainingLossFunction = (outputs: tf.Tensor | tf.Tensor[], labels: tf.Tensor) => tf.Scalar;

export class ReplayedTrainingStep {
  private readonly call: ReplayedCall;

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly optimizer: Sgd,
    private readonly loss: TrainingLossFunction,
  ) {
    this.call = new ReplayedCall((inputs) => this.step(inputs), {
      maxCaptures: 1,
      onReplay: () => optimizer.countReplayedStep(),
      state: () => trainingState(model, optimizer),
    });
  }

  /** One step on `images` and `labels` at learning rate `lr`; returns the loss (the caller owns it). */
  run(images: tf.Tensor, labels: tf.Tensor, lr: number): tf.Scalar {
    return withLearningRate(lr, (rate) => this.call.run([images, labels, rate]) as tf.Scalar);
  }

  /** One step through TF.js, never captured or replayed (the reference the replays equal). */
  runDirect(images: tf.Tensor, labels: tf.Tensor, lr: number): tf.Scalar {
    return withLearningRate(lr, (rate) => this.step([images, labels, rate]));
  }

  /** Steps run through TF.js by `run`, captured, and replayed. */
  get counts(): Readonly<ReplayedCall['counts']> {
    return this.call.counts;
  }

  /** Dispatches per replayed step, once captured. */
  get dispatchCount(): number | undefined {
    return this.call.dispatchCount;
  }

  /** Bytes of GPU buffers the capture holds (a step's intermediates and the old weights' buffers). */
  get heldBytes(): number {
    return this.call.heldBytes;
  }

  /** Frees the capture; the next call runs through TF.js. */
  dispose(): void {
    this.call.dispose();
  }

  /** The step through TF.js (also what the capture records). */
  private step([images, labels, lr]: tf.Tensor[]): tf.Scalar {
    const parameters = this.model.trainableWeights.map((w) => ({
      name: w.name,
      variable: w.read() as tf.Variable,
    }));
    const { value, grads } = tf.variableGrads(
      () => this.loss(this.model.apply(images!, { training: true }) as tf.Tensor | tf.Tensor[], labels!),
      parameters.map((p) => p.variable),
    );
    this.optimizer.apply(
      parameters.flatMap((p) => {
        const gradient = grads[p.variable.name];
        return gradient ? [{ ...p, gradient }] : [];
      }),
      lr!,
    );
    tf.dispose(Object.values(grads));
    return value;
  }
}
