/**
 * Initializers given as objects, serialized `{className, config}` (what `getConfig` stores) or
 * names of `tf.initializers` factories (`'heNormal'`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initializers } from '@tensorflow/tfjs-layers';
import { ConfigError } from './errors.js';

export type Initializer = ReturnType<typeof initializers.heNormal>;
export interface SerializedInitializer {
  className: string;
  config: tf.serialization.ConfigDict;
}
export type InitializerSpec = Initializer | SerializedInitializer | string;

/** Resolves an initializer spec; `fallback` when undefined. */
export function resolveInitializer(
  spec: InitializerSpec | undefined,
  fallback: () => Initializer,
): Initializer {
  if (spec == null) return fallback();
  if (typeof spec === 'string') {
    const factory = (initializers as unknown as Record<string, (args: object) => Initializer>)[spec];
    if (typeof factory !== 'function') throw new ConfigError(`unknown initializer '${spec}'`);
    return factory({});
  }
  if (spec instanceof tf.serialization.Serializable) return spec as Initializer;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[spec.className];
  if (!entry) throw new ConfigError(`unknown initializer class '${spec.className}'`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, spec.config) as Initializer;
}

export function serializeInitializer(init: Initializer): SerializedInitializer {
  // JSON round trip: drops `undefined` fields, as saving does.
  return { className: init.getClassName(), config: JSON.parse(JSON.stringify(init.getConfig())) };
}
