/**
 * `initializeWeights(model, seed)`: re-draws every weight so that a model's initial weights are a
 * pure function of `seed`, the same in every process and on every backend (TF.js draws random
 * numbers in JavaScript, with seedrandom's alea, before uploading them).
 *
 * Each weight gets its own generator, seeded by a hash of (seed, weight name), and is drawn from
 * the distribution its layer initialises it from (`weightInitializers`): a weight's values depend
 * neither on the other weights nor on the order in which layers were built. tfjs-layers ignores
 * or shares the seeds of its initializers in places, hence one seed per weight here.
 */
import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type InitialDistribution, weightInitializers } from './weight-initializers.js';

/**
 * The seed of one weight's generator: two FNV-1a hashes (32-bit offset basis and prime, and a second
 * prime) of `<seed>/<name>`, joined into 53 bits; never 0, which TF.js takes for "unseeded".
 */
export function weightSeed(seed: number, name: string): number {
  const text = `${seed}/${name}`;
  let low = 0x811c9dc5;
  let high = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    low = Math.imul(low ^ c, 0x01000193);
    high = Math.imul(high ^ c, 0x5bd1e995);
  }
  return (high >>> 11) * 2 ** 32 + (low >>> 0) + 1;
}

/** A float32 tensor of `shape` drawn from `distribution` with TF.js's seeded generators. */
export function drawInitial(distribution: InitialDistribution, shape: number[], seed: number): tf.Tensor {
  switch (distribution.kind) {
    case 'constant':
      return tf.fill(shape, distribution.value, 'float32');
    case 'uniform':
      return tf.randomUniform(shape, distribution.min, distribution.max, 'float32', seed);
    case 'normal':
      return tf.randomNormal(shape, distribution.mean, distribution.stddev, 'float32', seed);
    case 'truncatedNormal':
      return tf.truncatedNormal(shape, distribution.mean, distribution.stddev, 'float32', seed);
  }
}

/**
 * Sets every weight of `model` to a draw that depends only on `seed` and the weight's name (see the
 * file's comment); `seed` is an integer >= 0.
 */
export function initializeWeights(model: tfl.LayersModel, seed: number): void {
  if (!(Number.isSafeInteger(seed) && seed >= 0)) {
    throw new ConfigError(`initializeWeights: seed must be an integer >= 0, got ${seed}`);
  }
  for (const { name, variable, distribution } of weightInitializers(model)) {
    tf.tidy(() => {
      variable.write(drawInitial(distribution, variable.shape as number[], weightSeed(seed, name)));
    });
  }
}
