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
import { CapturedCall } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Sgd } from './sgd.js';

/** The loss of the model's training-mode outputs against the labels. */
export type TrainingLossFunction = (outputs: tf.Tensor | tf.Tensor[], labels: tf.Tensor) => tf.Scalar;

export class ReplayedTrainingStep {
  private capture?: CapturedCall;
  private capturedSignature?: string;
  private warmedUp = false;
  /** Steps run through TF.js, captured, and replayed. */
  readonly counts = { direct: 0, captures: 0, replays: 0 };

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly optimizer: Sgd,
    private readonly loss: TrainingLossFunction,
  ) {}

  /** One step on `images` and `labels` at learning rate `lr`; returns the loss (the caller owns it). */
  run(images: tf.Tensor, labels: tf.Tensor, lr: number): tf.Scalar {
    const inputs = [images, labels, tf.scalar(lr)];
    try {
      return this.runOn(inputs);
    } finally {
      inputs[2]!.dispose();
    }
  }

  /** One step through TF.js, never captured or replayed (the reference the replays equal). */
  runDirect(images: tf.Tensor, labels: tf.Tensor, lr: number): tf.Scalar {
    const inputs = [images, labels, tf.scalar(lr)];
    try {
      this.counts.direct++;
      return this.step(inputs);
    } finally {
      inputs[2]!.dispose();
    }
  }

  /** Dispatches per replayed step, once captured. */
  get dispatchCount(): number | undefined {
    return this.capture?.dispatchCount;
  }

  /** Bytes of GPU buffers the capture holds (a step's intermediates and the old weights' buffers). */
  get heldBytes(): number {
    return this.capture?.heldBytes ?? 0;
  }

  /** Frees the capture; the next call runs through TF.js. */
  dispose(): void {
    this.capture?.dispose();
    this.capture = undefined;
    this.warmedUp = false;
  }

  private runOn(inputs: tf.Tensor[]): tf.Scalar {
    const onWebGpu = tf.getBackend() === 'webgpu';
    if (this.capture && (this.capture.isStale() || !this.capture.accepts(inputs))) this.dispose();
    if (this.capture) {
      this.counts.replays++;
      this.optimizer.countReplayedStep();
      return this.capture.replay(inputs)[0] as tf.Scalar;
    }
    const signature = inputs.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
    if (!onWebGpu || !this.warmedUp || signature !== this.capturedSignature) {
      this.warmedUp = onWebGpu;
      this.capturedSignature = signature;
      this.counts.direct++;
      return this.step(inputs);
    }
    const state = [
      ...this.model.weights.map((w) => w.read() as tf.Variable),
      ...([...this.optimizer.getState().slots.values()] as tf.Variable[]),
    ];
    const { capture, outputs } = CapturedCall.capture((x) => this.step(x), inputs, { state });
    this.capture = capture;
    this.counts.captures++;
    return outputs[0] as tf.Scalar;
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
