import { ConfigError, ShapeError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { bruteNearest } from '../../test/brute-force.js';
import { seededRandom } from '../../test/finite-differences.js';
import { distanceTransform, squaredDistanceTransform } from './distance-transform.js';

function checkAgainstBrute(features: Uint8Array, shape: number[], spacing: number[]): void {
  const all = [...features.keys()];
  const on = all.filter((i) => features[i]);
  const expected = bruteNearest(all, on, shape, spacing);
  const got = distanceTransform(features, shape, spacing);
  for (let i = 0; i < all.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 9);
}

describe('distanceTransform (exact EDT, Felzenszwalb-Huttenlocher)', () => {
  const rand = seededRandom(13);

  it('hand case: distances to a single point, isotropic and anisotropic', () => {
    const f = new Uint8Array(12);
    f[5] = 1; // [1, 1] in a 3x4 grid
    expect(Array.from(squaredDistanceTransform(f, [3, 4]))).toEqual([2, 1, 2, 5, 1, 0, 1, 4, 2, 1, 2, 5]);
    // Rows 2 mm apart, columns 0.5 mm.
    expect(Array.from(squaredDistanceTransform(f, [3, 4], [2, 0.5]))).toEqual([
      4.25, 4, 4.25, 5, 0.25, 0, 0.25, 1, 4.25, 4, 4.25, 5,
    ]);
  });

  it('matches an O(n^2) brute force on random 2D features, spacing [1, 1] and [0.7, 1.9]', () => {
    for (const spacing of [
      [1, 1],
      [0.7, 1.9],
    ]) {
      const f = Uint8Array.from({ length: 11 * 13 }, () => (rand() < 0.08 ? 1 : 0));
      checkAgainstBrute(f, [11, 13], spacing);
    }
  });

  it('matches an O(n^2) brute force on random 3D features with anisotropic spacing', () => {
    const f = Uint8Array.from({ length: 5 * 6 * 7 }, () => (rand() < 0.05 ? 1 : 0));
    checkAgainstBrute(f, [5, 6, 7], [2.5, 0.8, 1.1]);
  });

  it('is Infinity everywhere without features, 0 on features', () => {
    expect(Array.from(distanceTransform([0, 0, 0, 0], [2, 2]))).toEqual(
      new Array(4).fill(Number.POSITIVE_INFINITY),
    );
    expect(Array.from(distanceTransform([1, 1, 1], [3]))).toEqual([0, 0, 0]);
  });

  it('rejects bad shapes and spacings with typed errors', () => {
    expect(() => distanceTransform([0, 1], [3])).toThrow(ShapeError);
    expect(() => distanceTransform([0, 1], [1, 1, 1, 2])).toThrow(ShapeError);
    expect(() => distanceTransform([0, 1, 0, 0], [2, 2], [1])).toThrow(ConfigError);
    expect(() => distanceTransform([0, 1, 0, 0], [2, 2], [1, 0])).toThrow(ConfigError);
  });
});
