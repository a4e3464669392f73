/**
 * Argument checks that throw typed errors naming the argument and the expectation.
 */
import { formatShape } from '@befunet/kernels';
import { ConfigError, ShapeError } from './errors.js';

// The checks that kernels need too are defined there, once.
export { assertDType, formatShape, requireDType } from '@befunet/kernels';

/** Throws a ShapeError unless `tensor` has the given rank. */
export function assertRank(tensor: { shape: readonly (number | null)[] }, rank: number, what: string): void {
  if (tensor.shape.length !== rank) {
    throw new ShapeError(
      `${what} must have rank ${rank}, got shape ${formatShape(tensor.shape)} (rank ${tensor.shape.length})`,
    );
  }
}

/**
 * Throws a ShapeError unless `shape` matches `expected`, where `null` in `expected` accepts any size.
 */
export function assertShape(
  shape: readonly (number | null)[],
  expected: readonly (number | null)[],
  what: string,
): void {
  const ok =
    shape.length === expected.length &&
    expected.every((d, i) => d == null || shape[i] == null || d === shape[i]);
  if (!ok) {
    throw new ShapeError(`${what} must have shape ${formatShape(expected)}, got ${formatShape(shape)}`);
  }
}

/** Throws a ShapeError unless `size` is a positive multiple of `divisor`. */
export function assertDivisible(size: number, divisor: number, what: string): void {
  if (!(size > 0) || size % divisor !== 0) {
    throw new ShapeError(`${what} (${size}) must be a positive multiple of ${divisor}`);
  }
}

/** An error class taking a message (ConfigError, ShapeError, ...). */
type ErrorClass = new (message: string) => Error;

/**
 * Returns `value` if it is a positive integer, else throws `error` (ConfigError by default):
 * "`what` must be a positive integer, got `value`".
 */
export function assertPositiveInteger(value: number, what: string, error: ErrorClass = ConfigError): number {
  if (!Number.isInteger(value) || value < 1)
    throw new error(`${what} must be a positive integer, got ${value}`);
  return value;
}

/** Returns `value` if it is an integer >= 0, else throws `error` (ConfigError by default). */
export function assertNonNegativeInteger(
  value: number,
  what: string,
  error: ErrorClass = ConfigError,
): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new error(`${what} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** Returns `value` if it is a rate (dropout, drop-path) in [0, 1), else throws a ConfigError. */
export function assertRate(value: number, what: string): number {
  if (!(value >= 0 && value < 1)) throw new ConfigError(`${what} must be in [0, 1), got ${value}`);
  return value;
}

/**
 * Returns `value` as `[height, width]` if it is an array of two integers >= `min` (1 by default:
 * a grid or window size; 0 for a shift), else throws `error` (ConfigError by default):
 * "`what` must be [height, width] of positive integers, got `value`".
 */
export function assertIntegerPair(
  value: unknown,
  what: string,
  min: 0 | 1 = 1,
  error: ErrorClass = ConfigError,
): [number, number] {
  const ok =
    Array.isArray(value) && value.length === 2 && value.every((d) => Number.isInteger(d) && d >= min);
  if (!ok) {
    const kind = min === 0 ? 'non-negative' : 'positive';
    throw new error(`${what} must be [height, width] of ${kind} integers, got ${JSON.stringify(value)}`);
  }
  return [value[0], value[1]];
}
