/**
 * A TF.js IO handler for a folder on the Node.js file system: `model.save(nodeFileSystem(dir))`,
 * `tf.loadLayersModel(nodeFileSystem(dir))`. It works for any TF.js layers model, and needs no
 * tfjs-node (whose `file://` handler is what `model.save('file://...')` looks for).
 *
 * The folder holds `model.json` and one weights file named after a hash of its content. Saving
 * writes the new weights file first, then replaces `model.json` atomically (temporary file, then
 * rename), then removes weights files that `model.json` no longer names: at every moment the folder
 * holds a complete model, the previous one until the rename, the new one after it. Loading checks
 * `model.json` and the weights' sizes first, and names the package to import for a BEFUnet layer
 * class no imported package has registered.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { FileFormatError } from '../errors.js';
import { assertLayersRegistered } from '../layer-packages.js';
import { modelArtifacts, parseModelJson } from '../model-artifacts.js';
import { writeAtomically } from './write-atomically.js';

const MODEL_JSON = 'model.json';

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
      const read = async (file: string, what: string): Promise<Uint8Array> => {
        try {
          return new Uint8Array(await readFile(file));
        } catch (cause) {
          throw new FileFormatError(file, `cannot read the ${what} (${(cause as Error).message})`, { cause });
        }
      };
      const json = parseModelJson(await read(path, 'TF.js model.json'), path);
      assertLayersRegistered(json.modelTopology, path);
      const files = new Map<string, Uint8Array>();
      for (const p of json.weightsManifest.flatMap((g) => g.paths)) {
        if (!files.has(p)) files.set(p, await read(join(dir, p), 'weights file named in model.json'));
      }
      return modelArtifacts(json, files, dir);
    },
  };
}
