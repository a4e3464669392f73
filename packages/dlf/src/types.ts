import { ConfigError } from '@befunet/common';
import type * as tfl from '@tensorflow/tfjs-layers';

/** tfjs-layers' base layer arguments (`name`, `trainable`, ...); the interface is not exported by name. */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

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

const nameCounts = new Map<string, number>();

/**
 * `args` with a default layer name `prefix_k` when none is given. tfjs-layers derives default names
 * from the class name, and the namespaced `befunet>...` class names are not valid weight names.
 */
export function withDefaultName<T extends LayerArgs>(args: T, prefix: string): T {
  if (args.name != null) return args;
  const k = (nameCounts.get(prefix) ?? 0) + 1;
  nameCounts.set(prefix, k);
  return { ...args, name: `${prefix}_${k}` };
}
