/**
 * A TF.js IO handler for a folder on the Node.js file system: `model.save(nodeFileSystem(dir))`,
 * `tf.loadLayersModel(nodeFileSystem(dir))`. It works for any TF.js layers model, and needs no
 * tfjs-node (whose `file://` handler is what `model.save('file://...')` looks for).
 *
 * The folder holds `model.json` and one weights file named after a hash of its content. Saving
 * writes the new weights file first, then replaces `model.json` atomically (temporary file, fsync,
 * rename, fsync of the folder), then removes weights files that `model.json` no longer names: at
 * every moment the folder holds a complete model, the previous one until the rename, the new one
 * after it. A failed save (disk full, I/O error, ...) throws a `FileWriteError` naming the file and
 * the system's code, and leaves the previous model and no temporary or new weights file behind. Loading checks
 * `model.json` and the weights' sizes first, and names the package to import for a BEFUnet layer
 * class no imported package has registered.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { FileFormatError } from '../errors.js';
import { assertLayersRegistered } from '../layer-packages.js';
import { modelArtifacts, parseModelJson } from '../model-artifacts.js';
import { type FileOps, nodeFileOps } from './file-ops.js';
import { failingAs, removeQuietly, replaceFile, syncFolderOf } from './write-atomically.js';

const MODEL_JSON = 'model.json';
const PREVIOUS_KEPT = 'the previous model is kept';
const WEIGHTS_FILE = /^weights\.[0-9a-f]+\.bin$/;

export interface NodeFileSystemOptions {
  /** The file operations saving goes through (default: node:fs); tests wrap them to inject faults. */
  fileOps?: FileOps;
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Writes the weights file, then `model.json`; on failure removes the weights file unless it was there before. */
async function writeModel(
  dir: string,
  weightsFile: string,
  weights: Uint8Array,
  modelJson: string,
  ops: FileOps,
) {
  const before = await filesIn(dir);
  const weightsPath = join(dir, weightsFile);
  try {
    await replaceFile(weightsPath, weights, ops, PREVIOUS_KEPT);
    await syncFolderOf(weightsPath, ops, PREVIOUS_KEPT);
    await replaceFile(join(dir, MODEL_JSON), modelJson, ops, PREVIOUS_KEPT);
  } catch (error) {
    if (!before.includes(weightsFile)) await removeQuietly(weightsPath, ops);
    throw error;
  }
  await syncFolderOf(join(dir, MODEL_JSON), ops);
}

/** Removes the weights files `model.json` no longer names (and leftovers of killed saves); a failure leaves them for the next save. */
async function removeOldWeights(dir: string, weightsFile: string, ops: FileOps): Promise<void> {
  for (const f of await filesIn(dir)) {
    if ((WEIGHTS_FILE.test(f) || f.includes('.tmp-')) && f !== weightsFile) {
      await removeQuietly(join(dir, f), ops);
    }
  }
}

export function nodeFileSystem(dir: string, options: NodeFileSystemOptions = {}): tf.io.IOHandler {
  const ops = options.fileOps ?? nodeFileOps;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new FileFormatError(dir, 'binary model topologies (graph models) are not supported');
      }
      await failingAs(dir, 'creating the model folder', PREVIOUS_KEPT, () =>
        ops.mkdir(dir, { recursive: true }),
      );
      const weights = new Uint8Array((artifacts.weightData as ArrayBuffer | undefined) ?? new ArrayBuffer(0));
      const weightsFile = `weights.${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeModel(dir, weightsFile, weights, JSON.stringify(modelJson), ops);
      await removeOldWeights(dir, weightsFile, ops);
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
