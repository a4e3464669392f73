import * as tf from '@tensorflow/tfjs-core';
import { redrawOnReplay } from './webgpu/replay-redraws.js';

/**
 * Inverted dropout: each element zeroed with probability `rate`, the kept ones scaled by
 * 1 / (1 - rate), as `tf.dropout`. The keep mask is drawn in JavaScript (Math.random), as
 * `tf.dropout`'s is, and registered with `redrawOnReplay` so that a replayed training step draws a
 * new mask every time instead of repeating the captured one.
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number): T {
  if (rate === 0) return x;
  const keep = 1 - rate;
  const drawMask = () => Float32Array.from({ length: x.size }, () => Math.floor(Math.random() + keep) / keep);
  return tf.tidy(() => {
    const mask = tf.tensor(drawMask(), x.shape);
    redrawOnReplay(mask, drawMask);
    return tf.mul(x, mask) as T;
  });
}
