import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gaussianImportanceMap } from './gaussian-importance.js';
import { tileStarts } from './tile-grid.js';

/**
 * Sliding-window tiles cover every pixel with a positive weight, for any image side, tile side and
 * overlap (issue 28): the first tile starts at 0, the last ends at the border, starts increase,
 * neighbours leave no gap, and the Gaussian importance map is positive at every tile pixel.
 */
const RUNS = { numRuns: 300, seed: 20261207 };

const layout = fc
  .record({
    tile: fc.integer({ min: 1, max: 96 }),
    extra: fc.integer({ min: 0, max: 400 }),
    overlap: fc.double({ min: 0, max: 0.99, noNaN: true }),
  })
  .map(({ tile, extra, overlap }) => ({ tile, size: tile + extra, overlap }));

describe('sliding-window tiles (any size, tile, overlap)', () => {
  it('span the image from border to border without a gap', () => {
    fc.assert(
      fc.property(layout, ({ tile, size, overlap }) => {
        const starts = tileStarts(size, tile, overlap);
        expect(starts[0]).toBe(0);
        expect(starts.at(-1)! + tile).toBe(size);
        for (let i = 1; i < starts.length; i++) {
          expect(starts[i]!).toBeGreaterThan(starts[i - 1]!);
          expect(starts[i]!).toBeLessThanOrEqual(starts[i - 1]! + tile); // next tile starts inside this one
        }
      }),
      RUNS,
    );
  });

  it('give every pixel a positive blending weight', () => {
    fc.assert(
      fc.property(layout, ({ tile, size, overlap }) => {
        const weights = gaussianImportanceMap(tile);
        expect(weights.every((w) => w > 0)).toBe(true);
        // Total weight per pixel along one axis: the centre row of each tile that covers it.
        const total = new Float64Array(size);
        const centre = Math.floor(tile / 2) * tile;
        for (const start of tileStarts(size, tile, overlap))
          for (let j = 0; j < tile; j++) total[start + j]! += weights[centre + j]!;
        expect(total.every((w) => w > 0)).toBe(true);
      }),
      { numRuns: 100, seed: 20261207 },
    );
  });
});
