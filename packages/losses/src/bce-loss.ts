/**
 * Binary cross-entropy from logits, numerically stable (BEFUNET.md section 7, `L_BCE`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss-fn.js';
import { checkReduction, type Reduction, reduce } from './reduction.js';
import { assertSameShape } from './targets.js';

export interface BceLossOptions {
  /** How per-element losses are collapsed. Defaults to `'mean'` (PyTorch's `BCEWithLogitsLoss`). */
  reduction?: Reduction;
  /** Weight of the positive term (PyTorch's `pos_weight`), a number. Defaults to 1. */
  posWeight?: number;
}

/**
 * Element-wise `-[w t log σ(x) + (1 - t) log(1 - σ(x))]` in the overflow-free form
 * `(1 - t) x + (1 + (w - 1) t) softplus(-x)`, with softplus(-x) = max(-x, 0) + log1p(exp(-|x|)).
 * Its gradient is given in closed form, `(1 + (w - 1) t) σ(x) - w t`, exact also at x = 0.
 */
export function bceWithLogits(target: tf.Tensor, logits: tf.Tensor, posWeight = 1): tf.Tensor {
  const f = tf.customGrad((x, t, save) => {
    const xt = x as tf.Tensor;
    const tt = t as tf.Tensor;
    const softplusNeg = tf.add(tf.relu(tf.neg(xt)), tf.log1p(tf.exp(tf.neg(tf.abs(xt)))));
    const coef = posWeight === 1 ? tf.onesLike(tt) : tf.add(1, tf.mul(posWeight - 1, tt));
    (save as tf.GradSaveFunc)([xt, tt, coef]);
    const value = tf.add(tf.mul(tf.sub(1, tt), xt), tf.mul(coef, softplusNeg));
    return {
      value,
      gradFunc: (dy, saved) => {
        const [sx, st, sc] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dx = tf.mul(dy, tf.sub(tf.mul(sc, tf.sigmoid(sx)), tf.mul(posWeight, st)));
        // d/dt = -x - (w - 1) softplus(-x) ... targets are data; their gradient is not needed.
        return [dx, tf.zerosLike(st)];
      },
    };
  });
  return tf.tidy(() => f(tf.cast(logits, 'float32'), tf.cast(target, 'float32')));
}

/**
 * Binary cross-entropy between `yTrue` (targets in [0, 1], any shape) and `yPred` (logits, same
 * shape), in TF.js loss order `(yTrue, yPred)`.
 */
export function bceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, options: BceLossOptions = {}): tf.Tensor {
  const reduction = checkReduction(options.reduction ?? 'mean', 'bceLoss');
  assertSameShape(yTrue, yPred, 'bceLoss');
  return tf.tidy(() => reduce(bceWithLogits(yTrue, yPred, options.posWeight ?? 1), reduction));
}

/** {@link bceLoss} with fixed options, as a TF.js `(yTrue, yPred) => Tensor` loss. */
export function bceLossFn(options: BceLossOptions = {}): LossFn {
  checkReduction(options.reduction ?? 'mean', 'bceLossFn');
  return (yTrue, yPred) => bceLoss(yTrue, yPred, options);
}
