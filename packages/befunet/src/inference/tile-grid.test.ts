import { ConfigError } from '@befunet/common';
import { expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { tileStarts } from './tile-grid.js';

describe('tileStarts', () => {
  it('gives the hand-computed starts (n = ceil((size - S) / (S (1 - overlap))) + 1, evenly spread)', () => {
    expect(tileStarts(32, 32, 0.5)).toEqual([0]);
    expect(tileStarts(64, 32, 0.5)).toEqual([0, 16, 32]);
    expect(tileStarts(48, 32, 0.5)).toEqual([0, 16]);
    // 68 / 16 -> 5 steps of 13.6: 0, 13.6, 27.2, 40.8, 54.4, 68, rounded.
    expect(tileStarts(100, 32, 0.5)).toEqual([0, 14, 27, 41, 54, 68]);
    expect(tileStarts(64, 32, 0)).toEqual([0, 32]);
    // 38 / 32 -> 2 steps of 19.
    expect(tileStarts(70, 32, 0)).toEqual([0, 19, 38]);
    // An overlap close to 1 cannot ask for more than one tile per pixel offset.
    expect(tileStarts(35, 32, 0.999)).toEqual([0, 1, 2, 3]);
  });

  it('covers every pixel, the first tile at 0 and the last flush with the border, neighbours overlapping enough', () => {
    for (const overlap of [0, 0.25, 0.5, 0.75]) {
      for (let size = 32; size <= 120; size++) {
        const starts = tileStarts(size, 32, overlap);
        expect(starts[0]).toBe(0);
        expect(starts.at(-1)).toBe(size - 32);
        const covered = new Uint8Array(size);
        for (const s of starts) covered.fill(1, s, s + 32);
        expect(covered.every((c) => c === 1)).toBe(true);
        for (let i = 1; i < starts.length; i++) {
          // Evenly spread steps of at most S (1 - overlap), each rounded to a pixel.
          expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(0);
          expect(starts[i]! - starts[i - 1]!).toBeLessThanOrEqual(Math.ceil(32 * (1 - overlap)) + 1);
        }
      }
    }
  });

  it('rejects an overlap outside [0, 1) and an image smaller than a tile', () => {
    for (const overlap of [-0.1, 1, 1.5, Number.NaN]) {
      expectError(() => tileStarts(64, 32, overlap), ConfigError, /overlap must be in \[0, 1\)/);
    }
    expectError(() => tileStarts(20, 32, 0.5), ConfigError, /size >= tile/);
  });
});
