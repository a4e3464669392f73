/**
 * A loss over several predictions at decreasing resolutions against one target (MONAI's
 * `DeepSupervisionLoss`): the target is resized (nearest neighbour) to each prediction.
 */
import { ConfigError, formatShape, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss-fn.js';

/** `'exp'`: 1, 1/2, 1/4, ...; `'same'`: all 1; `'two'`: 1, 1/2, 1/2, ... (MONAI's modes). */
export type DeepSupervisionWeightMode = 'exp' | 'same' | 'two';

export interface DeepSupervisionLossOptions {
  /** The loss of each level, `(yTrue, yPred) => scalar`, e.g. `officialDiceCeLossFn()`. */
  loss: LossFn;
  /** Level weights when `weights` is not given. Defaults to `'exp'`. */
  weightMode?: DeepSupervisionWeightMode;
  /** Explicit weight of each level (highest resolution first); overrides `weightMode`. */
  weights?: readonly number[];
}

/** The level weights of `weightMode` for `n` levels. */
export function deepSupervisionWeights(n: number, weightMode: DeepSupervisionWeightMode = 'exp'): number[] {
  switch (weightMode) {
    case 'same':
      return new Array<number>(n).fill(1);
    case 'exp':
      return Array.from({ length: n }, (_, i) => 0.5 ** i);
    case 'two':
      return Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0.5));
    default:
      throw new ConfigError(
        `deepSupervisionLoss: weightMode must be exp, same or two, got ${String(weightMode)}`,
      );
  }
}

/**
 * `yTrue` (`[B, H, W]`, `[B, H, W, 1]` class indices or `[B, H, W, C]` maps) resized by nearest
 * neighbour (half-pixel centres, PyTorch's `nearest-exact`) to `[h, w]`, keeping its rank and dtype.
 */
export function resizeTarget(yTrue: tf.Tensor, size: readonly [number, number]): tf.Tensor {
  const r = yTrue.shape.length;
  if (r !== 3 && r !== 4) {
    throw new ShapeError(
      `resizeTarget: target must be [B,H,W] or [B,H,W,C], got ${formatShape(yTrue.shape)}`,
    );
  }
  if (yTrue.shape[1] === size[0] && yTrue.shape[2] === size[1]) return tf.clone(yTrue);
  return tf.tidy(() => {
    const x = (r === 3 ? tf.expandDims(yTrue, -1) : yTrue) as tf.Tensor4D;
    const resized = tf.image.resizeNearestNeighbor(tf.cast(x, 'float32'), [size[0], size[1]], false, true);
    const out = tf.cast(resized, yTrue.dtype);
    return r === 3 ? tf.squeeze(out, [3]) : out;
  });
}

/** `sum_i w_i loss(resize(yTrue), yPred_i)` over predictions `[B, h_i, w_i, C]`. */
export function deepSupervisionLoss(
  yTrue: tf.Tensor,
  yPreds: readonly tf.Tensor[],
  options: DeepSupervisionLossOptions,
): tf.Tensor {
  if (yPreds.length === 0) throw new ConfigError('deepSupervisionLoss: yPreds is an empty list');
  const weights = options.weights
    ? [...options.weights]
    : deepSupervisionWeights(yPreds.length, options.weightMode ?? 'exp');
  if (weights.length !== yPreds.length) {
    throw new ShapeError(`deepSupervisionLoss: ${weights.length} weights for ${yPreds.length} predictions`);
  }
  for (const [i, p] of yPreds.entries()) {
    if (p.shape.length !== 4) {
      throw new ShapeError(
        `deepSupervisionLoss: yPreds[${i}] must be [B,h,w,C], got ${formatShape(p.shape)}`,
      );
    }
  }
  return tf.tidy(() =>
    tf.addN(
      yPreds.map((p, i) =>
        tf.mul(weights[i]!, options.loss(resizeTarget(yTrue, [p.shape[1]!, p.shape[2]!]), p)),
      ),
    ),
  );
}
