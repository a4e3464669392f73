/**
 * Masks for the metrics: plain arrays (any `ArrayLike<number>`, e.g. a typed array from
 * `await tensor.data()`) in row-major order with an explicit shape, `[H, W]` for an image or
 * `[D, H, W]` for a volume. The metrics are plain TypeScript: no tensors, no backend.
 */
import { ConfigError, formatShape, ShapeError } from '@befunet/common';

/** Throws a ShapeError unless `shape` is a valid 1-3-D shape holding `length` elements. */
export function checkMaskShape(shape: readonly number[], length: number, what: string): void {
  if (shape.length < 1 || shape.length > 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(
      `${what}: shape must be 1 to 3 positive integers ([H,W] or [D,H,W]), got ${formatShape(shape)}`,
    );
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== length) {
    throw new ShapeError(
      `${what}: shape ${formatShape(shape)} holds ${n} elements, got an array of ${length}`,
    );
  }
}

/** Throws a ShapeError unless the two arrays have the same length. */
export function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new ShapeError(`${what}: prediction (${a.length} elements) and truth (${b.length}) differ in size`);
  }
}

/** The voxel spacing per axis (default 1); throws a ConfigError when it does not fit the shape. */
export function resolveSpacing(
  spacing: number | readonly number[] | undefined,
  rank: number,
  what: string,
): number[] {
  const s =
    spacing === undefined
      ? new Array<number>(rank).fill(1)
      : typeof spacing === 'number'
        ? new Array<number>(rank).fill(spacing)
        : [...spacing];
  if (s.length !== rank || !s.every((v) => Number.isFinite(v) && v > 0)) {
    throw new ConfigError(
      `${what}: spacing must be ${rank} positive numbers (one per axis), got [${s.join(',')}]`,
    );
  }
  return s;
}
