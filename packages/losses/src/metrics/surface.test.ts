import { describe, expect, it } from 'vitest';
import { bruteSurface, randomMask } from '../../test/brute-force.js';
import { seededRandom } from '../../test/finite-differences.js';
import { surface } from './surface.js';

const ones = (m: ArrayLike<number>) => [...Array(m.length).keys()].filter((i) => m[i]);

describe('surface (mask minus its cross erosion)', () => {
  it('hand case: a 4x4 square has its 12 outer pixels as surface', () => {
    const m = new Uint8Array(36);
    for (let y = 1; y < 5; y++) for (let x = 1; x < 5; x++) m[y * 6 + x] = 1;
    const s = surface(m, [6, 6]);
    expect(ones(s).length).toBe(12);
    expect(s[2 * 6 + 2]).toBe(0);
    expect(s[1 * 6 + 1]).toBe(1);
  });

  it('the array edge counts as background; diagonal neighbours do not matter', () => {
    expect(Array.from(surface([1, 1, 1, 1, 1, 1, 1, 1, 1], [3, 3]))).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    // A plus shape: its centre has all four face neighbours, so it is interior.
    expect(Array.from(surface([0, 1, 0, 1, 1, 1, 0, 1, 0], [3, 3]))).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it('matches the coordinate-based brute force on random 2D and 3D masks', () => {
    const rand = seededRandom(2);
    for (const shape of [
      [9, 11],
      [4, 5, 6],
    ]) {
      const m = randomMask(rand, shape);
      expect(ones(surface(m, shape))).toEqual(bruteSurface(m, shape));
    }
  });
});
