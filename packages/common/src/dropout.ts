import { redrawOnReplay } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';

/**
 * `x` times a keep mask of `maskShape` (broadcast against `x`): each entry 1 / (1 - rate) with
 * probability 1 - rate, else 0, from uniform draws made in JavaScript by a generator from
 * `generator()` (a fresh one per mask). The mask is registered with `redrawOnReplay`, so that a
 * replayed training step draws a new one every time instead of repeating the captured one.
 */
export function applyKeepMask<T extends tf.Tensor>(
  x: T,
  rate: number,
  maskShape: number[],
  generator: () => () => number,
): T {
  const keep = 1 - rate;
  const size = tf.util.sizeFromShape(maskShape);
  const drawMask = () => {
    const uniform = generator();
    return Float32Array.from({ length: size }, () => Math.floor(uniform() + keep) / keep);
  };
  return tf.tidy(() => {
    const mask = tf.tensor(drawMask(), maskShape);
    redrawOnReplay(mask, drawMask);
    return tf.mul(x, mask) as T;
  });
}

/**
 * Inverted dropout: each element zeroed with probability `rate`, the kept ones scaled by
 * 1 / (1 - rate), as `tf.dropout`. The mask is drawn from Math.random, as `tf.dropout`'s is, and
 * drawn anew at every replay of a captured training step (`applyKeepMask`).
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number): T {
  if (rate === 0) return x;
  return applyKeepMask(x, rate, x.shape, () => Math.random);
}
