import * as tf from '@tensorflow/tfjs-core';
import { expectClose, type Tolerance } from './tolerance.ts';

/**
 * Central finite differences of a scalar function: (f(v + h e_i) - f(v - h e_i)) / 2h for every i,
 * the independent reference for gradient tests (the function is evaluated in float64).
 */
export function finiteDifferences(
  values: Float64Array,
  at: (v: Float64Array) => number,
  step: number,
): number[] {
  return Array.from(values, (_, i) => {
    const up = Float64Array.from(values);
    const down = Float64Array.from(values);
    up[i]! += step;
    down[i]! -= step;
    return (at(up) - at(down)) / (2 * step);
  });
}

export interface AffineGradientCase {
  shape: number[];
  x: ArrayLike<number>;
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  /** Fixed weights of the loss sum(w * y), so that every output counts differently. */
  w: ArrayLike<number>;
}

/**
 * Checks TF.js's gradients of loss = sum(w * op(x, gamma, beta)) (a normalisation with an affine
 * gamma and beta, e.g. LayerNorm or GroupNorm) with respect to x, gamma and beta against central
 * finite differences (step `step`) of the same loss through `reference` (the definition, in float64).
 */
export async function expectAffineGradientsMatchFiniteDifferences(
  op: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor,
  reference: (x: Float64Array, gamma: Float64Array, beta: Float64Array) => ArrayLike<number>,
  values: AffineGradientCase,
  step: number,
  tolerance: Tolerance,
): Promise<void> {
  const [x, gamma, beta] = [values.x, values.gamma, values.beta].map((v) => Float64Array.from(v)) as [
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const loss = (xs: Float64Array, g: Float64Array, b: Float64Array) =>
    Array.from(reference(xs, g, b)).reduce((a, v, i) => a + v * values.w[i]!, 0);
  const grads = tf.grads((xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(op(xt, g, b), tf.tensor(Float32Array.from(values.w), values.shape))),
  )([
    tf.tensor(Float32Array.from(x), values.shape),
    tf.tensor1d(Float32Array.from(gamma)),
    tf.tensor1d(Float32Array.from(beta)),
  ]);
  await expectClose(
    grads[0]!,
    finiteDifferences(x, (v) => loss(v, gamma, beta), step),
    tolerance,
    'dx',
  );
  await expectClose(
    grads[1]!,
    finiteDifferences(gamma, (v) => loss(x, v, beta), step),
    tolerance,
    'dgamma',
  );
  await expectClose(
    grads[2]!,
    finiteDifferences(beta, (v) => loss(x, gamma, v), step),
    tolerance,
    'dbeta',
  );
  tf.dispose(grads);
}
