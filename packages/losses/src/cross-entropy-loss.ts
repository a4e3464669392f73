/**
 * Multi-class cross-entropy from logits (softmax over the last axis), PyTorch's `cross_entropy`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss-fn.js';
import { checkReduction, type Reduction, reduce } from './reduction.js';
import { toOneHot } from './targets.js';

export interface CrossEntropyLossOptions {
  /** Over the per-pixel losses `[B, ...spatial]`: `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/**
 * `-sum_c g_c log softmax(x)_c` per pixel, computed with a stable log-softmax. `yPred`: logits
 * `[B, ...spatial, C]`; `yTrue`: class indices `[B, ...spatial]` / `[B, ...spatial, 1]` or one-hot
 * (or soft) maps of `yPred`'s shape.
 */
export function crossEntropyLoss(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: CrossEntropyLossOptions = {},
): tf.Tensor {
  const reduction = checkReduction(options.reduction ?? 'mean', 'crossEntropyLoss');
  return tf.tidy(() => {
    const target = toOneHot(yTrue, yPred, 'crossEntropyLoss');
    const logp = tf.logSoftmax(tf.cast(yPred, 'float32'), -1);
    return reduce(tf.neg(tf.sum(tf.mul(target, logp), -1)), reduction);
  });
}

/** {@link crossEntropyLoss} with fixed options, as a TF.js `(yTrue, yPred) => Tensor` loss. */
export function crossEntropyLossFn(options: CrossEntropyLossOptions = {}): LossFn {
  checkReduction(options.reduction ?? 'mean', 'crossEntropyLossFn');
  return (yTrue, yPred) => crossEntropyLoss(yTrue, yPred, options);
}
