import { ConfigError } from '@befunet/common';

export { type LayerArgs, withDefaultName } from '@befunet/common';

/** Returns the single tensor of a layer's input. */
export function single<T>(inputs: T | T[]): T {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** Returns `value` if it is a positive integer, else throws a ConfigError naming `what`. */
export function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Returns `value` if it is a non-negative integer, else throws a ConfigError naming `what`. */
export function nonNegativeInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${what} must be a non-negative integer, got ${value}`);
  }
  return value;
}
