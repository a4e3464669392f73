/** The base arguments of every TF.js layer (`name`, `trainable`, ...), which tfjs-layers does not export. */
import type * as tfl from '@tensorflow/tfjs-layers';

export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

const counters = new Map<string, number>();

/**
 * `args` with a unique default name (`swin_block_1`, ...) when none is given: tfjs derives default
 * names from the class name, and `befunet>X` is not a valid weight-name scope.
 */
export function withDefaultName<T extends LayerArgs>(args: T, base: string): T {
  if (args.name != null) return args;
  const n = (counters.get(base) ?? 0) + 1;
  counters.set(base, n);
  return { ...args, name: `${base}_${n}` };
}
