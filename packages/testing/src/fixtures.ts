/**
 * Access to the reference fixtures in `../shared/fixtures` (produced by the official PyTorch code).
 *
 * The folder is looked up beside the repository root (where sessions and CI lay `shared/`), or
 * taken from the `BEFUNET_FIXTURES` environment variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, type SafetensorsEntry, type SafetensorsFile } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The fixtures folder; throws with the paths it tried when there is none. */
export function fixturesDir(): string {
  const candidates = [process.env.BEFUNET_FIXTURES, join(repoRoot, '../shared/fixtures')].filter(
    (p): p is string => !!p,
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no fixtures folder; tried ${candidates.join(', ')} (set BEFUNET_FIXTURES)`);
  return found;
}

/** Absolute path of a fixture file, e.g. `fixturePath('official/pdc_ops.safetensors')`. */
export function fixturePath(relative: string): string {
  return join(fixturesDir(), relative);
}

const cache = new Map<string, SafetensorsFile>();

/** Reads (once) and parses a safetensors fixture. */
export function loadFixture(relative: string): SafetensorsFile {
  let file = cache.get(relative);
  if (!file) {
    const path = fixturePath(relative);
    file = readSafetensors(new Uint8Array(readFileSync(path)), path);
    cache.set(relative, file);
  }
  return file;
}

/** One fixture tensor as a TF.js tensor; throws naming the key when it is absent. */
export function fixtureTensor(file: SafetensorsFile, key: string): tf.Tensor {
  const entry: SafetensorsEntry | undefined = file.tensors.get(key);
  if (!entry)
    throw new Error(`fixture has no tensor '${key}'; it has ${[...file.tensors.keys()].join(', ')}`);
  return tf.tensor(
    entry.values,
    [...entry.shape],
    entry.values instanceof Float32Array ? 'float32' : 'int32',
  );
}

/** NCHW (PyTorch) to NHWC (TF.js). */
export function nchwToNhwc(t: tf.Tensor): tf.Tensor4D {
  return tf.transpose(t as tf.Tensor4D, [0, 2, 3, 1]);
}
