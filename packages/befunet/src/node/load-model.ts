/**
 * Loading a BEFUnet for the CLI and Node.js programs from whatever the user has:
 * - a folder holding a TF.js `model.json` (what `befunet train`, `import` and the main job write);
 * - a trainer checkpoint: its store folder (`best` is taken when there is one, else `latest`) or
 *   one checkpoint folder (`state.json`, `model.safetensors`, `optimizer.safetensors`);
 * - a checkpoint file of the official PyTorch code (`.pth` / `.pt` / `.bin` or `.safetensors`): the
 *   `official` graph is built with the dimensions read off the checkpoint and the weights imported.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@befunet/common';
import { nodeFileSystem } from '@befunet/common/node';
import * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf, createBefunet } from '../model/befunet.js';
import {
  CHECKPOINT_FILES,
  type CheckpointFiles,
  readCheckpointState,
  restoreCheckpoint,
} from '../train/checkpoint.js';
import { fileCheckpointStore, loadCheckpointFolder } from '../train/file-checkpoint-store.js';
import type { OfficialImportReport } from '../weights/official-checkpoint.js';
import { befunetFromOfficialStateDict } from '../weights/official-model.js';
import { readCheckpoint } from '../weights/read-checkpoint.js';

export interface LoadedBefunet {
  model: tfl.LayersModel;
  /** What was read: `tfjs` model folder, trainer `checkpoint` or `official` checkpoint. */
  kind: 'tfjs' | 'checkpoint' | 'official';
  /** For official checkpoints: what was loaded and what was skipped (with reasons). */
  importReport?: OfficialImportReport;
}

/** The checkpoint files of a store folder (best, else latest) or of one checkpoint folder; undefined otherwise. */
async function readTrainerCheckpoint(
  path: string,
): Promise<{ files: CheckpointFiles; source: string } | undefined> {
  if (existsSync(join(path, CHECKPOINT_FILES.state))) {
    return { files: await loadCheckpointFolder(path), source: path };
  }
  const store = fileCheckpointStore(path);
  for (const tag of ['best', 'latest'] as const) {
    const files = await store.load(tag);
    if (files) return { files, source: store.describe(tag) };
  }
  return undefined;
}

export async function loadBefunet(path: string): Promise<LoadedBefunet> {
  if (!existsSync(path)) throw new ConfigError(`model '${path}' does not exist`);
  if (statSync(path).isDirectory()) {
    const checkpoint = await readTrainerCheckpoint(path);
    if (checkpoint) {
      const model = createBefunet(readCheckpointState(checkpoint.files, checkpoint.source).model);
      restoreCheckpoint(checkpoint.files, model, undefined, checkpoint.source);
      return { model, kind: 'checkpoint' };
    }
    if (!existsSync(join(path, 'model.json'))) {
      throw new ConfigError(
        `folder '${path}' holds no model.json; give a model or checkpoint folder written by befunet train/import/job, or an official .pth/.safetensors file`,
      );
    }
    const model = await tfl.loadLayersModel(nodeFileSystem(path));
    befunetConfigOf(model); // a clear error when the model is not a BEFUnet
    return { model, kind: 'tfjs' };
  }
  const stateDict = readCheckpoint(new Uint8Array(await readFile(path)), path);
  const { model, report } = befunetFromOfficialStateDict(stateDict);
  return { model, kind: 'official', importReport: report };
}
