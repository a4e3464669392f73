/**
 * Tensors derived from a weight (a PDC's converted kernel, Swin's gathered relative position bias)
 * kept between inference calls instead of being recomputed in every forward pass.
 *
 * A TF.js variable gets a new data id whenever it is assigned (a training step, loading weights),
 * so a value derived from one data id stays valid until the variable's data id changes.
 */
import * as tf from '@tensorflow/tfjs-core';

export class DerivedTensorCache<T extends tf.Tensor> {
  private entry?: { dataId: tf.DataId; value: T };

  /** The value derived from `source`'s current data, computed by `derive` when it changed. */
  get(source: tf.Tensor, derive: () => T): T {
    if (this.entry?.dataId !== source.dataId) {
      this.entry?.value.dispose();
      this.entry = { dataId: source.dataId, value: tf.keep(tf.tidy(derive)) };
    }
    return this.entry.value;
  }

  dispose(): void {
    this.entry?.value.dispose();
    this.entry = undefined;
  }
}

/**
 * Whether a layer call computes nothing a gradient needs: not in training mode, and no gradient
 * tape recording (`tf.grad` of a forward pass in inference mode must still reach the weights).
 */
export function isInferenceCall(kwargs: { training?: unknown } = {}): boolean {
  const gradientDepth = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth;
  return kwargs.training !== true && gradientDepth === 0;
}
