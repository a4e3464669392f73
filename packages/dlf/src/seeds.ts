/**
 * Seeded initialisation helpers. A composite layer derives one seed per child from its own seed,
 * so that a seeded `Dlf` gives the same weights on every backend (TF.js draws random numbers in
 * JavaScript) while no two children of the same shape get the same values.
 */
import { Linear } from '@befunet/common';
import * as tfl from '@tensorflow/tfjs-layers';

/** A child's seed: a hash of the parent's seed and the child's index; `undefined` stays unseeded. */
export function childSeed(seed: number | undefined, index: number): number | undefined {
  if (seed === undefined) return undefined;
  let h = Math.imul(seed ^ Math.imul(index + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 2147483647;
}

/** Truncated normal (std 0.02), the usual initialisation of Transformer linear layers and embeddings. */
export function truncNormal002(
  seed: number | undefined,
): ReturnType<typeof tfl.initializers.truncatedNormal> {
  return tfl.initializers.truncatedNormal({ mean: 0, stddev: 0.02, ...(seed === undefined ? {} : { seed }) });
}

/** A Dense layer with truncated-normal kernel and zero bias. */
export function linear(
  name: string,
  units: number,
  seed: number | undefined,
  useBias = true,
): tfl.layers.Layer {
  return new Linear({ name, units, useBias, kernelInitializer: truncNormal002(seed) });
}
