/**
 * Gradient check for the loss tests: TF.js autodiff against central finite differences of the
 * same scalar function, both on the current backend.
 */
import { closeness, type Tolerance } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Asserts that `d f / d x` at `x` (values `x0`, shape `shape`) matches `(f(x + h e_i) - f(x - h e_i)) / 2h`
 * for every element. `f` must return a scalar. float32: h around 1e-2 and a loose tolerance.
 */
export async function expectGradientMatchesFiniteDifferences(
  f: (x: tf.Tensor) => tf.Tensor,
  x0: readonly number[],
  shape: readonly number[],
  what: string,
  h = 1e-2,
  tol: Tolerance = { atol: 2e-3, rtol: 2e-2 },
): Promise<void> {
  const x = tf.tensor(x0 as number[], shape as number[], 'float32');
  const g = tf.grad(f)(x);
  const analytic = Array.from(await g.data());
  tf.dispose([x, g]);
  const at = async (values: number[]) => {
    const t = tf.tidy(() => f(tf.tensor(values, shape as number[], 'float32')));
    const [v] = await t.data();
    t.dispose();
    return v!;
  };
  const numeric: number[] = [];
  for (let i = 0; i < x0.length; i++) {
    const plus = [...x0];
    const minus = [...x0];
    plus[i]! += h;
    minus[i]! -= h;
    numeric.push(((await at(plus)) - (await at(minus))) / (2 * h));
  }
  expect(
    numeric.some((v) => v !== 0),
    `${what}: the gradient check needs a non-zero gradient`,
  ).toBe(true);
  const c = closeness(analytic, numeric, tol);
  expect(
    c.mismatches,
    `${what}: autodiff vs finite differences, worst at ${c.worstIndex}: ${c.worstActual} vs ${c.worstExpected}`,
  ).toBe(0);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), for test inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [lo, hi). */
export function uniform(rand: () => number, n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * rand());
}
