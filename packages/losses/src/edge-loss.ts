/**
 * The class-balanced edge loss of BEFUNET.md eq. 14 (PiDiNet's `cross_entropy_loss_RCF`).
 */
import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { bceWithLogits } from './bce-loss.js';
import type { LossFn } from './loss-fn.js';
import { checkReduction, type Reduction } from './reduction.js';
import { assertSameShape } from './targets.js';

export interface EdgeLossOptions {
  /** lambda of eq. 14: negatives weigh `lambda |Y+| / |Y|`. Defaults to 1.1 (PiDiNet). */
  lambda?: number;
  /** Soft labels `>= eta` are edges; those in `(0, eta)` are ignored. Defaults to 0.8 (the fixture's). */
  eta?: number;
  /** `yPred` holds logits: the sigmoid is folded into a stable BCE. Defaults to false (probabilities). */
  sigmoid?: boolean;
  /**
   * `'sum'` (eq. 14, default), `'mean'` (the sum over the number of pixels times the number of maps),
   * or `'none'` (per pixel, `[numMaps, ...target shape]`).
   */
  reduction?: Reduction;
  /**
   * Where `|Y+|` and `|Y-|` are counted: over the whole `'batch'` (PiDiNet, default) or per
   * `'image'` (axis 0).
   */
  balance?: 'batch' | 'image';
  /** Weight of each edge map in the sum. Defaults to 1 for every map. */
  weights?: readonly number[];
}

function resolve(options: EdgeLossOptions, what: string) {
  const lambda = options.lambda ?? 1.1;
  const eta = options.eta ?? 0.8;
  if (!(lambda >= 0)) throw new ConfigError(`${what}: lambda must be >= 0, got ${lambda}`);
  if (!(eta > 0 && eta <= 1)) throw new ConfigError(`${what}: eta must be in (0, 1], got ${eta}`);
  const balance = options.balance ?? 'batch';
  if (balance !== 'batch' && balance !== 'image') {
    throw new ConfigError(`${what}: balance must be 'batch' or 'image', got ${String(balance)}`);
  }
  return {
    lambda,
    eta,
    sigmoid: options.sigmoid ?? false,
    reduction: checkReduction(options.reduction ?? 'sum', what),
    balance,
    weights: options.weights,
  };
}

/**
 * Per-pixel class-balance weights of eq. 14 for a soft edge target: `|Y-|/|Y|` on edges
 * (`t >= eta`), `lambda |Y+|/|Y|` on non-edges (`t == 0`), 0 on uncertain pixels, where
 * `|Y| = |Y+| + |Y-|`. Also returns the binary edge mask.
 */
export function edgeBalanceWeights(
  target: tf.Tensor,
  lambda: number,
  eta: number,
  balance: 'batch' | 'image' = 'batch',
): { weights: tf.Tensor; positive: tf.Tensor } {
  return tf.tidy(() => {
    const t = tf.cast(target, 'float32');
    const positive = tf.cast(tf.greaterEqual(t, eta), 'float32');
    const negative = tf.cast(tf.equal(t, 0), 'float32');
    const axes = balance === 'batch' ? undefined : t.shape.map((_, i) => i).slice(1);
    const nPos = tf.sum(positive, axes, true);
    const nNeg = tf.sum(negative, axes, true);
    const total = tf.maximum(tf.add(nPos, nNeg), 1);
    const weights = tf.add(
      tf.mul(positive, tf.div(nNeg, total)),
      tf.mul(negative, tf.mul(lambda, tf.div(nPos, total))),
    );
    return { weights, positive };
  });
}

/** The smallest normal float32; below it WebGPU may flush to zero. */
const FLOAT32_MIN_NORMAL = 1.1754944e-38;

/**
 * log(x) clamped at -100 as PyTorch's `binary_cross_entropy` does, with a finite gradient. A plain
 * `maximum(log(x), -100)` has the gradient 0 * (1 / 0) = NaN where x = 0, which a saturated sigmoid
 * gives (sigmoid(z) rounds to 1 in float32 for z > 17, so 1 - p = 0): here x at or below the
 * smallest normal float32 gives -100 and gradient 0 (PyTorch's clamp differs only for x in the
 * subnormal range, where log x lies in [-100, -87.3]).
 */
function clampedLog(x: tf.Tensor): tf.Tensor {
  // usable = 1 where x > MIN_NORMAL, else 0 (tf.step has a zero gradient); above it log x > -87.4.
  const usable = tf.step(tf.sub(x, FLOAT32_MIN_NORMAL));
  const log = tf.log(tf.maximum(x, FLOAT32_MIN_NORMAL));
  return tf.add(-100, tf.mul(usable, tf.add(log, 100)));
}

/**
 * Edge loss of eq. 14, `-sum_{i,j} l_i^j`, for one edge map or a list of them (deep supervision)
 * against one soft target `yTrue` in [0, 1] (TF.js order `(yTrue, yPred)`). Every map must have
 * the target's shape (e.g. `[B, H, W, 1]`); upsample side outputs first (see `totalLoss`).
 * Probabilities are clamped like PyTorch's `binary_cross_entropy` (log >= -100).
 */
export function edgeLoss(
  yTrue: tf.Tensor,
  yPred: tf.Tensor | readonly tf.Tensor[],
  options: EdgeLossOptions = {},
): tf.Tensor {
  const o = resolve(options, 'edgeLoss');
  const maps = Array.isArray(yPred) ? (yPred as readonly tf.Tensor[]) : [yPred as tf.Tensor];
  if (maps.length === 0) throw new ConfigError('edgeLoss: yPred is an empty list of edge maps');
  for (const [j, m] of maps.entries()) assertSameShape(yTrue, m, 'edgeLoss', ['yTrue', `yPred[${j}]`]);
  if (o.weights && o.weights.length !== maps.length) {
    throw new ShapeError(`edgeLoss: weights has ${o.weights.length} entries for ${maps.length} edge maps`);
  }
  return tf.tidy(() => {
    const { weights, positive } = edgeBalanceWeights(yTrue, o.lambda, o.eta, o.balance);
    const perMap = maps.map((m, j) => {
      let nll: tf.Tensor;
      if (o.sigmoid) {
        nll = bceWithLogits(positive, m);
      } else {
        const p = tf.cast(m, 'float32');
        const logP = clampedLog(p);
        const log1mP = clampedLog(tf.sub(1, p));
        nll = tf.neg(tf.add(tf.mul(positive, logP), tf.mul(tf.sub(1, positive), log1mP)));
      }
      const w = o.weights ? o.weights[j]! : 1;
      return tf.mul(tf.mul(weights, nll), w);
    });
    if (o.reduction === 'none') return tf.stack(perMap);
    const sum = tf.addN(perMap.map((l) => tf.sum(l)));
    return o.reduction === 'sum' ? sum : tf.div(sum, yTrue.size * maps.length);
  });
}

/** {@link edgeLoss} with fixed options, as a TF.js `(yTrue, yPred) => Tensor` loss (one map). */
export function edgeLossFn(options: EdgeLossOptions = {}): LossFn {
  resolve(options, 'edgeLossFn');
  return (yTrue, yPred) => edgeLoss(yTrue, yPred, options);
}
