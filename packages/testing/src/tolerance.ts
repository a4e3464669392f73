/**
 * Comparisons of tensors against expected values with float32-aware tolerances.
 *
 * `closeness` reports the worst element (absolute and relative error, index) so that a failure
 * message says where and by how much; `expectClose` asserts it.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance, against |expected|. */
  rtol: number;
}

/** Tolerances of float32 arithmetic: tight for single ops, looser for deep graphs. */
export const TOLERANCE = {
  exact: { atol: 0, rtol: 0 },
  op: { atol: 1e-5, rtol: 1e-5 },
  layer: { atol: 1e-4, rtol: 1e-4 },
  network: { atol: 1e-3, rtol: 1e-3 },
} as const satisfies Record<string, Tolerance>;

export interface Closeness {
  /** Elements with |a - e| > atol + rtol |e| (NaN on one side only counts too). */
  mismatches: number;
  maxAbsError: number;
  /** Index (flat) of the worst element. */
  worstIndex: number;
  worstActual: number;
  worstExpected: number;
}

export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Closeness {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: actual ${actual.length}, expected ${expected.length}`);
  }
  const result: Closeness = {
    mismatches: 0,
    maxAbsError: 0,
    worstIndex: -1,
    worstActual: 0,
    worstExpected: 0,
  };
  let worstExcess = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    const err = Math.abs(a - e);
    const excess = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err - (tol.atol + tol.rtol * Math.abs(e));
    if (excess > 0) result.mismatches++;
    if (!Number.isNaN(err)) result.maxAbsError = Math.max(result.maxAbsError, err);
    if (excess > worstExcess) {
      worstExcess = excess;
      result.worstIndex = i;
      result.worstActual = a;
      result.worstExpected = e;
    }
  }
  return result;
}

/** Asserts that `actual` matches `expected` (same shape when both are tensors) within `tol`. */
export async function expectClose(
  actual: Tensor,
  expected: Tensor | ArrayLike<number>,
  tol: Tolerance = TOLERANCE.op,
  what = 'tensor',
): Promise<void> {
  let expectedValues: ArrayLike<number>;
  if ('shape' in expected && 'data' in expected) {
    expect(actual.shape, `${what}: shape`).toEqual((expected as Tensor).shape);
    expectedValues = (await (expected as Tensor).data()) as Float32Array;
  } else {
    expectedValues = expected as ArrayLike<number>;
  }
  const c = closeness((await actual.data()) as Float32Array, expectedValues, tol);
  expect(
    c.mismatches,
    `${what}: ${c.mismatches} of ${expectedValues.length} elements outside atol ${tol.atol} + rtol ${tol.rtol}; ` +
      `worst at ${c.worstIndex}: ${c.worstActual} vs ${c.worstExpected} (max abs error ${c.maxAbsError})`,
  ).toBe(0);
}
