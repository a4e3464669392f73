import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from './seeded-random.js';
import { redrawOnReplay } from './webgpu/replay-redraws.js';

/**
 * Drop-path (stochastic depth) of a residual branch: in training, zeroes each sample's branch with
 * probability `rate` and scales the kept ones by 1 / (1 - rate), so that the expectation is unchanged;
 * the identity otherwise. The per-sample factors are drawn in JavaScript (seeded: mulberry32 from
 * `seed`; else Math.random), so the branch costs one product (and one in the backward pass). A
 * replayed training step draws them anew each time (replay-redraws.ts).
 */
export function dropPath<T extends tf.Tensor>(x: T, rate: number, training: boolean, seed?: number): T {
  if (!training || rate === 0) return x;
  const keep = 1 - rate;
  const batch = x.shape[0]!;
  const drawFactors = () => {
    const seeded = seed === undefined ? undefined : new SeededRandom(seed);
    const draw = () => (seeded ? seeded.next() : Math.random());
    return Float32Array.from({ length: batch }, () => Math.floor(draw() + keep) / keep);
  };
  return tf.tidy(() => {
    const factors = tf.tensor(drawFactors(), [batch, ...x.shape.slice(1).map(() => 1)]);
    redrawOnReplay(factors, drawFactors);
    return tf.mul(x, factors) as T;
  });
}
