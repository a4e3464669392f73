/**
 * Checking a saved TF.js layers model (`model.json` plus its weights files) before TF.js sees it:
 * TF.js itself reads a short weights file as garbage or fails with a RangeError deep inside
 * `decodeWeights`. Every problem is a FileFormatError naming the file: JSON that does not parse,
 * a missing topology or manifest, a weight entry with a bad name, dtype or shape, and weights files
 * whose total size differs from what the manifest needs (sum over entries of elements x bytes per
 * element, of the quantized dtype where `quantization` is set).
 */

import type * as tf from '@tensorflow/tfjs-core';
import { FileFormatError } from './errors.js';

/** Bytes per element of each dtype a weights manifest may name (tfjs-core io/types.ts DTYPE_VALUE_SIZE_MAP). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  complex64: 8,
};

export interface ModelJson {
  readonly modelTopology: object;
  readonly weightsManifest: tf.io.WeightsManifestConfig;
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
  readonly userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks `model.json` (its bytes or text); `source` is its path. */
export function parseModelJson(text: string | Uint8Array, source: string): ModelJson {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, problem);
  };
  let json: unknown;
  try {
    json = JSON.parse(
      typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text),
    );
  } catch (cause) {
    throw new FileFormatError(source, `not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (!isObject(json)) return fail('is not a JSON object');
  const topology = json.modelTopology;
  if (!isObject(topology) || typeof topology.class_name !== 'string' || !isObject(topology.config)) {
    fail('not a TF.js layers model: modelTopology is missing or is not a Keras model (class_name, config)');
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest))
    return fail('not a TF.js layers model: weightsManifest is missing or not a list');
  const names = new Set<string>();
  for (const [g, group] of manifest.entries()) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail(`weightsManifest[${g}] needs a 'paths' list and a 'weights' list`);
    }
    for (const p of group.paths as unknown[]) {
      if (typeof p !== 'string' || p === '' || /[/\\]/.test(p) || p === '..') {
        fail(
          `weightsManifest[${g}] names weights file ${JSON.stringify(p)}, which is not a file name in the folder`,
        );
      }
    }
    for (const [i, w] of (group.weights as unknown[]).entries()) {
      const where = `weightsManifest[${g}].weights[${i}]`;
      if (!isObject(w) || typeof w.name !== 'string') return fail(`${where} has no name`);
      if (names.has(w.name)) fail(`weight '${w.name}' appears twice in the manifest`);
      names.add(w.name);
      if (typeof w.dtype !== 'string' || !(w.dtype in DTYPE_BYTES)) {
        fail(`weight '${w.name}' has unknown dtype ${JSON.stringify(w.dtype)}`);
      }
      const shape = w.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(`weight '${w.name}' has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
      }
      const q = w.quantization;
      if (q !== undefined && (!isObject(q) || typeof q.dtype !== 'string' || !(q.dtype in DTYPE_BYTES))) {
        fail(`weight '${w.name}' has an unknown quantization ${JSON.stringify(q)}`);
      }
    }
  }
  return json as unknown as ModelJson;
}

/** Bytes the manifest's weights occupy, in manifest order. */
export function manifestBytes(manifest: tf.io.WeightsManifestConfig): number {
  let total = 0;
  for (const group of manifest) {
    for (const w of group.weights) {
      const elements = w.shape.reduce((a, b) => a * b, 1);
      total += elements * DTYPE_BYTES[w.quantization?.dtype ?? w.dtype]!;
    }
  }
  return total;
}

/**
 * The model artifacts of a checked `model.json` and the contents of its weights files (by file
 * name, as the manifest lists them); `dir` names the folder in error messages.
 */
export function modelArtifacts(
  json: ModelJson,
  files: ReadonlyMap<string, Uint8Array>,
  dir: string,
): tf.io.ModelArtifacts {
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const parts = paths.map((p) => {
    const bytes = files.get(p);
    if (!bytes) throw new FileFormatError(`${dir}/${p}`, 'weights file named in model.json is missing');
    return bytes;
  });
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const needed = manifestBytes(json.weightsManifest);
  if (total !== needed) {
    const where = paths.length === 1 ? `${dir}/${paths[0]}` : `${dir}/{${paths.join(',')}}`;
    throw new FileFormatError(
      where,
      `weights files hold ${total} bytes but model.json's manifest needs ${needed}: ${total < needed ? 'truncated' : 'not the weights of this model'}`,
    );
  }
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    weightData.set(p, at);
    at += p.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    userDefinedMetadata: json.userDefinedMetadata,
  };
}
