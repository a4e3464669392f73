/**
 * A TF.js IO handler for a folder on the Node.js file system: `model.save(nodeFileSystem(dir))`,
 * `tf.loadLayersModel(nodeFileSystem(dir))`.
 *
 * The folder holds `model.json` and one weights file named after a hash of its content. Saving
 * writes the new weights file first, then replaces `model.json` atomically (temporary file, then
 * rename), then removes weights files that `model.json` no longer names: at every moment the folder
 * holds a complete model, the previous one until the rename, the new one after it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@befunet/common';
import type * as tf from '@tensorflow/tfjs-core';

const MODEL_JSON = 'model.json';

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

export function nodeFileSystem(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new FileFormatError(dir, 'binary model topologies (graph models) are not supported');
      }
      await mkdir(dir, { recursive: true });
      const weights = new Uint8Array((artifacts.weightData as ArrayBuffer | undefined) ?? new ArrayBuffer(0));
      const weightsFile = `weights.${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
      await writeAtomically(join(dir, weightsFile), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeAtomically(join(dir, MODEL_JSON), JSON.stringify(modelJson));
      for (const f of await readdir(dir)) {
        if (/^weights\.[0-9a-f]+\.bin$/.test(f) && f !== weightsFile) await rm(join(dir, f), { force: true });
      }
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const path = join(dir, MODEL_JSON);
      let json: {
        modelTopology?: object;
        weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
      };
      try {
        json = JSON.parse(await readFile(path, 'utf8'));
      } catch (cause) {
        throw new FileFormatError(path, 'cannot read a TF.js model.json here', { cause });
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new FileFormatError(path, 'not a TF.js layers model (no modelTopology or weightsManifest)');
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const parts: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          if (p.includes('/') || p.includes('\\'))
            throw new FileFormatError(path, `weights path '${p}' leaves the folder`);
          parts.push(new Uint8Array(await readFile(join(dir, p))));
        }
      }
      const total = parts.reduce((s, p) => s + p.byteLength, 0);
      const weightData = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        weightData.set(p, at);
        at += p.byteLength;
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: weightData.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}
