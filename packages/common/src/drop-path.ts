import type * as tf from '@tensorflow/tfjs-core';
import { applyKeepMask } from './dropout.js';
import { SeededRandom } from './seeded-random.js';

/**
 * Drop-path (stochastic depth) of a residual branch: in training, zeroes each sample's branch with
 * probability `rate` and scales the kept ones by 1 / (1 - rate), so that the expectation is unchanged;
 * the identity otherwise. The per-sample factors are drawn in JavaScript (seeded: mulberry32 from
 * `seed`; else Math.random), so the branch costs one product (and one in the backward pass). A
 * replayed training step draws them anew each time (replay-redraws.ts).
 */
export function dropPath<T extends tf.Tensor>(x: T, rate: number, training: boolean, seed?: number): T {
  if (!training || rate === 0) return x;
  const perSample = [x.shape[0]!, ...x.shape.slice(1).map(() => 1)];
  return applyKeepMask(x, rate, perSample, () => {
    if (seed === undefined) return Math.random;
    const seeded = new SeededRandom(seed);
    return () => seeded.next();
  });
}
