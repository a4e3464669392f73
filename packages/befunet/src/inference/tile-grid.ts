/**
 * Where the tiles of a sliding window start along one axis: evenly spread, the first at 0 and the
 * last flush with the border, with at least the requested overlap between neighbours (nnU-Net's
 * `compute_steps_for_sliding_window`: n = ceil((size - tile) / (tile (1 - overlap))) + 1 tiles,
 * starts round(i (size - tile) / (n - 1))).
 */
import { ConfigError } from '@befunet/common';

/** Throws a ConfigError unless 0 <= overlap < 1 (the fraction of a tile shared with its neighbour). */
export function validateOverlap(overlap: number): void {
  if (!Number.isFinite(overlap) || overlap < 0 || overlap >= 1) {
    throw new ConfigError(`overlap must be in [0, 1) (a fraction of the tile), got ${overlap}`);
  }
}

/** Start offsets of tiles of side `tile` covering `size` pixels (size >= tile: smaller images are padded first). */
export function tileStarts(size: number, tile: number, overlap: number): number[] {
  validateOverlap(overlap);
  if (!Number.isInteger(tile) || tile < 1 || !Number.isInteger(size) || size < tile) {
    throw new ConfigError(`tileStarts: need integers size >= tile >= 1, got size ${size}, tile ${tile}`);
  }
  const span = size - tile;
  if (span === 0) return [0];
  // Never more tiles than distinct offsets (an overlap close to 1 would ask for steps below a pixel).
  const count = Math.min(Math.ceil(span / (tile * (1 - overlap))) + 1, span + 1);
  return Array.from({ length: count }, (_, i) => Math.round((i * span) / (count - 1)));
}
