import { ConfigError, ShapeError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { bruteHd, bruteHdMonai, randomMask } from '../../test/brute-force.js';
import { seededRandom } from '../../test/finite-differences.js';
import { LabelValueError } from '../errors.js';
import { hausdorffDistance, percentile, surfaceDistances } from './hausdorff.js';

/** A box [lo, hi) per axis in an array of `shape`. */
function box(shape: number[], lo: number[], hi: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let r = i;
    let inside = true;
    for (let a = shape.length - 1; a >= 0; a--) {
      const c = r % shape[a]!;
      r = Math.floor(r / shape[a]!);
      if (c < lo[a]! || c >= hi[a]!) inside = false;
    }
    m[i] = inside ? 1 : 0;
  }
  return m;
}

describe('hausdorffDistance (medpy hd / hd95, MONAI compute_hausdorff_distance)', () => {
  it('shifted squares: 4x4 squares 2 px apart have HD95 = HD = 2 (and 1 mm at 0.5 mm columns)', () => {
    const a = box([10, 10], [2, 2], [6, 6]);
    const b = box([10, 10], [2, 4], [6, 8]);
    // Surface distances A -> B by hand: rows 2 and 5 give 2, 1, 0, 0; columns 2 and 5 (rows 3, 4) give 2, 2, 1, 1.
    expect(Array.from(surfaceDistances(a, b, [10, 10])).sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(hausdorffDistance(a, b, [10, 10])).toBe(2);
    expect(hausdorffDistance(a, b, [10, 10], { percentile: 100 })).toBe(2);
    expect(hausdorffDistance(a, b, [10, 10], { spacing: [3, 0.5] })).toBe(1);
    // 24 pooled distances: 8 zeros, 8 ones, 8 twos; the median interpolates between sorted[11] = 1 and sorted[12] = 1.
    expect(hausdorffDistance(a, b, [10, 10], { percentile: 50 })).toBe(1);
    // 30th percentile: position 6.9 between sorted[6] = 0 and sorted[7] = 0 -> 0; 40th: 9.2 -> 1.
    expect(hausdorffDistance(a, b, [10, 10], { percentile: 40 })).toBeCloseTo(1, 12);
  });

  it('shifted cubes in a volume with spacing [2.5, 1, 1]: HD95 = 2.5', () => {
    const a = box([6, 5, 5], [1, 1, 1], [4, 4, 4]);
    const b = box([6, 5, 5], [2, 1, 1], [5, 4, 4]);
    // A -> B: the z = 1 face (9 voxels) at 2.5, the z = 3 face centre at 1, the rest 0; B -> A alike.
    const ab = Array.from(surfaceDistances(a, b, [6, 5, 5], [2.5, 1, 1])).sort();
    expect(ab).toEqual([...new Array(16).fill(0), 1, ...new Array(9).fill(2.5)]);
    expect(hausdorffDistance(a, b, [6, 5, 5], { spacing: [2.5, 1, 1] })).toBe(2.5);
    // 52 pooled values: 32 zeros, 2 ones, 18 x 2.5; the 62nd percentile is at 31.62 -> 0.62.
    expect(hausdorffDistance(a, b, [6, 5, 5], { spacing: [2.5, 1, 1], percentile: 62 })).toBeCloseTo(
      0.62,
      12,
    );
  });

  it('matches an independent O(n^2) brute force on random masks (2D and 3D, anisotropic)', () => {
    const rand = seededRandom(17);
    const cases: [number[], number[]][] = [
      [
        [12, 10],
        [1, 1],
      ],
      [
        [12, 10],
        [0.6, 1.7],
      ],
      [
        [5, 6, 7],
        [2.5, 0.9, 1.2],
      ],
    ];
    for (const [shape, spacing] of cases) {
      for (let k = 0; k < 3; k++) {
        const p = randomMask(rand, shape);
        const t = randomMask(rand, shape);
        for (const q of [95, 100, 50]) {
          expect(hausdorffDistance(p, t, shape, { spacing, percentile: q })).toBeCloseTo(
            bruteHd(p, t, shape, spacing, q),
            9,
          );
        }
      }
    }
  });

  it('small masks far from the array edges (the bounding-box crop) and masks on the edge match the brute force', () => {
    const rand = seededRandom(23);
    const shape = [20, 17];
    for (const [lo, hi] of [
      [
        [3, 9],
        [10, 16],
      ],
      [
        [0, 0],
        [6, 17],
      ],
    ] as const) {
      const p = box(shape, [...lo], [...hi]).map((v) => (v && rand() < 0.8 ? 1 : 0));
      const t = box(shape, [...lo], [...hi]).map((v) => (v && rand() < 0.7 ? 1 : 0));
      for (const spacing of [
        [1, 1],
        [1.3, 0.4],
      ]) {
        expect(hausdorffDistance(p, t, shape, { spacing })).toBeCloseTo(bruteHd(p, t, shape, spacing), 9);
      }
    }
  });

  it("convention 'monai': the larger directed percentile, by hand where it differs from medpy's pooled one", () => {
    // A = a 4x4 square plus one pixel 5 px right of it; B = the square. A -> B: 12 zeros and 5;
    // B -> A: 12 zeros. medpy pools 24 zeros and 5: position 22.8 of 24 -> 0. MONAI: the 95th
    // percentile of A -> B sits at 11.4 of 12 -> 0.4 * 5 = 2, the larger of (2, 0).
    const b = box([12, 12], [2, 2], [6, 6]);
    const a = Uint8Array.from(b);
    a[2 * 12 + 10] = 1;
    expect(hausdorffDistance(a, b, [12, 12])).toBe(0);
    expect(hausdorffDistance(a, b, [12, 12], { convention: 'medpy' })).toBe(0);
    expect(hausdorffDistance(a, b, [12, 12], { convention: 'monai' })).toBeCloseTo(2, 12);
    expect(hausdorffDistance(b, a, [12, 12], { convention: 'monai' })).toBeCloseTo(2, 12);
    // At percentile 100 both are the Hausdorff distance.
    expect(hausdorffDistance(a, b, [12, 12], { convention: 'monai', percentile: 100 })).toBe(5);
    expect(hausdorffDistance(a, b, [12, 12], { percentile: 100 })).toBe(5);
  });

  it("convention 'monai' matches an independent brute force of max(P_q(A -> B), P_q(B -> A))", () => {
    const rand = seededRandom(29);
    for (const [shape, spacing] of [
      [
        [11, 9],
        [1, 1],
      ],
      [
        [4, 6, 5],
        [2, 0.8, 1.1],
      ],
    ] as const) {
      for (let k = 0; k < 4; k++) {
        const p = randomMask(rand, [...shape]);
        const t = randomMask(rand, [...shape]);
        for (const q of [95, 50]) {
          expect(hausdorffDistance(p, t, shape, { spacing, percentile: q, convention: 'monai' })).toBeCloseTo(
            bruteHdMonai(p, t, shape, spacing, q),
            9,
          );
        }
      }
    }
  });

  it('raw values for empty masks: Infinity when one is empty, NaN when both are', () => {
    const a = box([4, 4], [1, 1], [3, 3]);
    const z = new Uint8Array(16);
    expect(hausdorffDistance(a, z, [4, 4])).toBe(Number.POSITIVE_INFINITY);
    expect(hausdorffDistance(z, a, [4, 4])).toBe(Number.POSITIVE_INFINITY);
    expect(hausdorffDistance(z, z, [4, 4])).toBeNaN();
  });

  it('percentile is numpy linear interpolation', () => {
    expect(percentile([3, 1, 2, 4], 50)).toBe(2.5);
    expect(percentile([10], 95)).toBe(10);
    expect(percentile([0, 10], 95)).toBeCloseTo(9.5, 12);
    expect(percentile([], 95)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(ConfigError);
  });

  it('rejects bad input with typed errors', () => {
    expect(() => hausdorffDistance([0, 1], [0, 1, 1], [2])).toThrow(ShapeError);
    expect(() => hausdorffDistance([0, 1, 1, 0], [0, 1, 1, 0], [3])).toThrow(ShapeError);
    expect(() => hausdorffDistance([0, 2], [0, 1], [2])).toThrow(LabelValueError);
    expect(() => hausdorffDistance([0, 1], [0, 1], [2], { spacing: [1, 1] })).toThrow(ConfigError);
    expect(() => hausdorffDistance([0, 1], [0, 1], [2], { percentile: -5 })).toThrow(ConfigError);
    expect(() => hausdorffDistance([0, 1], [0, 1], [2], { convention: 'scipy' as never })).toThrow(
      /convention must be one of medpy, monai, got scipy/,
    );
  });
});
