/**
 * The trainer's step on WebGPU as two replayed calls (ReplayedCall in @befunet/common): the
 * gradients phase (forward and backward of every micro-batch, the mean loss and the class counts),
 * after which the trainer reads the loss back and refuses a NaN step, then the SGD update (the
 * learning rate an input, the weights and momentum buffers as state). Each phase runs through TF.js
 * the first time, is captured the second time and replayed after that; the update's first two calls
 * change the weights' tensors, so the gradients phase settles one step later (steps 1-3 through
 * TF.js or captured, replays from step 4 on when nothing else changes the weights). Replays run the
 * same kernels as the TF.js calls: the trained weights are the same to the bit (tested).
 */
import { ConfigError, ReplayedCall } from '@befunet/common';
import type * as tf from '@tensorflow/tfjs-core';
import { type Sgd, withLearningRate } from './sgd.js';
import type { ParameterUpdate } from './slot-optimizer.js';

/** What the gradients phase gives the trainer; the caller owns the tensors. */
export interface StepGradients {
  loss: tf.Scalar;
  countSum: tf.Tensor;
  /** The mean gradient of each parameter, undefined where the loss does not reach it. */
  gradients: (tf.Tensor | undefined)[];
}

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
    private readonly parameters: readonly { name: string; variable: tf.Variable }[],
    private readonly optimizer: Sgd,
    computeGradients: (images: tf.Tensor[], labels: tf.Tensor[]) => StepGradients,
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
        this.optimizer.apply(updates, lr!);
        return [];
      },
      { maxCaptures: 1, state: stateVariables, onReplay: () => optimizer.countReplayedStep() },
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
