/**
 * Soft Dice loss, binary (sigmoid) and multi-class (softmax), with MONAI's options
 * (BEFUNET.md section 7, `L_Dice = 1 - 2 sum p g / sum (p + g)`).
 */
import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss-fn.js';
import { checkReduction, type Reduction, reduce } from './reduction.js';
import { toOneHot } from './targets.js';

export interface DiceLossOptions {
  /** Apply a softmax over the last (class) axis of `yPred` first. Defaults to false (probabilities given). */
  softmax?: boolean;
  /** Apply a sigmoid to `yPred` first. Defaults to false. Exclusive with `softmax`. */
  sigmoid?: boolean;
  /**
   * Keep class 0 (background). Defaults to true. Ignored with one channel. Background is dropped
   * after the softmax, so it still competes for probability mass.
   */
  includeBackground?: boolean;
  /** Square the terms of the denominator, `sum p^2 + sum g^2` (V-Net; the official `DiceLoss`). Defaults to false. */
  squaredPred?: boolean;
  /**
   * Jaccard (soft IoU) instead of Dice, MONAI's form: the denominator becomes
   * `2 (sum p + sum g - sum p g)`, so the loss is `1 - (2 I + smoothNr) / (2 (P + G - I) + smoothDr)`,
   * 0 for a perfect prediction. Defaults to false.
   */
  jaccard?: boolean;
  /** Added to the numerator, `2 sum p g + smoothNr`. Defaults to 1e-5. */
  smoothNr?: number;
  /** Added to the denominator. Defaults to 1e-5. */
  smoothDr?: number;
  /**
   * Sum over the batch before dividing (one Dice per class for the whole batch, as the official
   * `DiceLoss` does) instead of one Dice per image and class. Defaults to false (MONAI).
   */
  batch?: boolean;
  /** Over the `[B, C]` (or `[C]` with `batch`) Dice losses: `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

function resolve(options: DiceLossOptions, what: string) {
  if (options.softmax && options.sigmoid) throw new ConfigError(`${what}: softmax and sigmoid are exclusive`);
  const smoothNr = options.smoothNr ?? 1e-5;
  const smoothDr = options.smoothDr ?? 1e-5;
  if (!(smoothNr >= 0) || !(smoothDr >= 0)) {
    throw new ConfigError(`${what}: smoothNr and smoothDr must be >= 0, got ${smoothNr}, ${smoothDr}`);
  }
  return {
    softmax: options.softmax ?? false,
    sigmoid: options.sigmoid ?? false,
    includeBackground: options.includeBackground ?? true,
    squaredPred: options.squaredPred ?? false,
    jaccard: options.jaccard ?? false,
    smoothNr,
    smoothDr,
    batch: options.batch ?? false,
    reduction: checkReduction(options.reduction ?? 'mean', what),
  };
}

/**
 * Soft Dice loss `1 - (2 sum p g + smoothNr) / (sum p + sum g + smoothDr)` per image (or batch) and
 * class, reduced. `yPred`: `[B, ...spatial, C]` (logits with `softmax`/`sigmoid`, else
 * probabilities). `yTrue`: class indices `[B, ...spatial]` / `[B, ...spatial, 1]`, or one-hot (or
 * binary, for one channel) maps of `yPred`'s shape. Any number of spatial axes (2D, 3D).
 */
export function diceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, options: DiceLossOptions = {}): tf.Tensor {
  const o = resolve(options, 'diceLoss');
  return tf.tidy(() => {
    let target = toOneHot(yTrue, yPred, 'diceLoss');
    let p = tf.cast(yPred, 'float32');
    if (o.softmax) p = tf.softmax(p, -1);
    else if (o.sigmoid) p = tf.sigmoid(p);
    const rank = p.shape.length;
    const numClasses = p.shape[rank - 1]!;
    if (!o.includeBackground && numClasses > 1) {
      const begin = new Array<number>(rank).fill(0);
      begin[rank - 1] = 1;
      const size = new Array<number>(rank).fill(-1);
      p = tf.slice(p, begin, size);
      target = tf.slice(target, begin, size);
    }
    const axes: number[] = [];
    for (let a = o.batch ? 0 : 1; a < rank - 1; a++) axes.push(a);
    const intersection = tf.sum(tf.mul(p, target), axes);
    const predSum = tf.sum(o.squaredPred ? tf.square(p) : p, axes);
    const targetSum = tf.sum(o.squaredPred ? tf.square(target) : target, axes);
    let denominator = tf.add(predSum, targetSum);
    // Jaccard: |A u B| = P + G - I, doubled to match the numerator's 2 I (MONAI's DiceLoss).
    if (o.jaccard) denominator = tf.mul(2, tf.sub(denominator, intersection));
    const ratio = tf.div(tf.add(tf.mul(2, intersection), o.smoothNr), tf.add(denominator, o.smoothDr));
    return reduce(tf.sub(1, ratio), o.reduction);
  });
}

/** {@link diceLoss} with fixed options, as a TF.js `(yTrue, yPred) => Tensor` loss. */
export function diceLossFn(options: DiceLossOptions = {}): LossFn {
  resolve(options, 'diceLossFn');
  return (yTrue, yPred) => diceLoss(yTrue, yPred, options);
}
