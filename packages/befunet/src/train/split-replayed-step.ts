/**
 * The trainer's step on WebGPU as two replayed calls (ReplayedCall in @befunet/common): the
 * gradients phase (forward and backward of every micro-batch, the mean loss and the class counts),
 * after which the trainer reads the loss back and refuses a NaN step, then the SGD update (the
 * learning rate an input, the weights and momentum buffers as state). Each phase runs through TF.js
 * the first time, is captured the second time and replayed after that; the update's first two calls
 * change the weights' tensors, so the gradients phase settles one step later (steps 1-3 through
 * TF.js or captured, replays from step 4 on when nothing else changes the weights). Replays run the
 * same kernels as the TF.js calls: the trained weights are the same to the bit (tested).
 *
 * It is the one replayed training step: `train` runs its phases with the NaN check between them,
 * the benchmark times `step` (both phases; `SplitReplayedStep.forModel` builds it for any loss).
 */
import { ConfigError } from '@befunet/common';
import { ReplayedCall } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type GradientsPhase,
  gradientsThroughTfjs,
  type Parameter,
  type StepGradients,
  type TrainingLossFunction,
  trainableParameters,
} from './model-gradients.js';
import { type Sgd, withLearningRate } from './sgd.js';
import { type ParameterUpdate, trainingState } from './slot-optimizer.js';

export type { StepGradients } from './model-gradients.js';

export class SplitReplayedStep {
  private readonly gradientsCall: ReplayedCall;
  private readonly updateCall: ReplayedCall;
  /** Which parameters get a gradient: fixed by the graph, learned at the first call. */
  private reached?: boolean[];

  /**
   * `computeGradients(images, labels)` is the trainer's gradients phase through TF.js (one entry of
   * `images` and `labels` per micro-batch); `parameters` are the trainable weights in its order.
   */
  constructor(
    private readonly parameters: readonly Parameter[],
    private readonly optimizer: Sgd,
    private readonly computeGradients: GradientsPhase,
    stateVariables: () => tf.Variable[],
  ) {
    this.gradientsCall = new ReplayedCall(
      (inputs) => {
        const k = inputs.length / 2;
        const { loss, countSum, gradients } = computeGradients(inputs.slice(0, k), inputs.slice(k));
        const reached = gradients.map((g) => g !== undefined);
        if (this.reached && reached.some((r, i) => r !== this.reached![i])) {
          throw new ConfigError(
            'the parameters the loss reaches changed between steps; replay needs a fixed graph',
          );
        }
        this.reached = reached;
        return [loss, countSum, ...gradients.filter((g) => g !== undefined)];
      },
      { maxCaptures: 1 },
    );
    this.updateCall = new ReplayedCall(
      ([lr, ...gradients]) => {
        const updates: ParameterUpdate[] = [];
        let next = 0;
        this.parameters.forEach((p, i) => {
          if (this.reached![i]) updates.push({ ...p, gradient: gradients[next++]! });
        });
        optimizer.apply(updates, lr!);
        return [];
      },
      { maxCaptures: 1, state: stateVariables, onReplay: () => optimizer.countReplayedStep() },
    );
  }

  /** The step of `model`'s trainable weights under `loss` (the benchmark's). */
  static forModel(model: tfl.LayersModel, optimizer: Sgd, loss: TrainingLossFunction): SplitReplayedStep {
    const parameters = trainableParameters(model);
    return new SplitReplayedStep(parameters, optimizer, gradientsThroughTfjs(model, parameters, loss), () =>
      trainingState(model, optimizer),
    );
  }

  /** The gradients phase on micro-batches `images[i]`, `labels[i]`. */
  gradients(images: tf.Tensor[], labels: tf.Tensor[]): StepGradients {
    const [loss, countSum, ...defined] = this.gradientsCall.run([...images, ...labels]) as tf.Tensor[];
    let next = 0;
    return {
      loss: loss as tf.Scalar,
      countSum: countSum!,
      gradients: this.reached!.map((r) => (r ? defined[next++] : undefined)),
    };
  }

  /** The SGD update with the gradients phase's `gradients` at learning rate `lr`. */
  update(gradients: (tf.Tensor | undefined)[], lr: number): void {
    if (!this.reached) throw new ConfigError('update() needs a gradients() call first');
    withLearningRate(lr, (rate) => this.updateCall.run([rate, ...gradients.filter((g) => g !== undefined)]));
  }

  /** Both phases, replayed when possible, without reading the loss back; the caller owns the loss. */
  step(images: tf.Tensor[], labels: tf.Tensor[], lr: number): tf.Scalar {
    const { loss, countSum, gradients } = this.gradients(images, labels);
    try {
      this.update(gradients, lr);
    } finally {
      tf.dispose([countSum, ...gradients.filter((g) => g !== undefined)]);
    }
    return loss;
  }

  /** One step through TF.js, never captured or replayed (the reference the replays equal). */
  stepDirect(images: tf.Tensor[], labels: tf.Tensor[], lr: number): tf.Scalar {
    const { loss, countSum, gradients } = this.computeGradients(images, labels);
    const updates = this.parameters.flatMap((p, j): ParameterUpdate[] =>
      gradients[j] ? [{ ...p, gradient: gradients[j] }] : [],
    );
    this.optimizer.apply(updates, lr);
    tf.dispose([countSum, ...gradients.filter((g) => g !== undefined)]);
    return loss;
  }

  /** Dispatches per replayed step (both phases), once both are captured. */
  get dispatchCount(): number | undefined {
    const [gradients, update] = [this.gradientsCall.dispatchCount, this.updateCall.dispatchCount];
    return gradients === undefined || update === undefined ? undefined : gradients + update;
  }

  /** Bytes of GPU buffers both captures hold. */
  get heldBytes(): number {
    return this.gradientsCall.heldBytes + this.updateCall.heldBytes;
  }

  /** Phases run through TF.js, captured and replayed: [gradients, update]. */
  get counts(): [Readonly<ReplayedCall['counts']>, Readonly<ReplayedCall['counts']>] {
    return [this.gradientsCall.counts, this.updateCall.counts];
  }

  /** Frees both captures. */
  dispose(): void {
    this.gradientsCall.dispose();
    this.updateCall.dispose();
  }
}
