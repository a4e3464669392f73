import * as tf from '@tensorflow/tfjs-core';

/** GELU in its exact form, x * Phi(x) = x/2 (1 + erf(x / sqrt 2)), as PyTorch's `nn.GELU()` (not the tanh approximation). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T);
}
