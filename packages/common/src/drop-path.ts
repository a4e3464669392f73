import * as tf from '@tensorflow/tfjs-core';

/**
 * Drop-path (stochastic depth) of a residual branch: in training, zeroes each sample's branch with
 * probability `rate` and scales the kept ones by 1 / (1 - rate), so that the expectation is unchanged;
 * the identity otherwise.
 */
export function dropPath<T extends tf.Tensor>(x: T, rate: number, training: boolean, seed?: number): T {
  if (!training || rate === 0) return x;
  return tf.tidy(() => {
    const keep = 1 - rate;
    const shape = [x.shape[0]!, ...x.shape.slice(1).map(() => 1)];
    const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep));
    return tf.mul(x, tf.div(mask, keep)) as T;
  });
}
