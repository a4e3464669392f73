/**
 * Loading a BEFUnet for the CLI and Node.js programs from whatever the user has:
 * - a folder holding a TF.js `model.json` (what `befunet train`, `import` and the main job write);
 * - a checkpoint file of the official PyTorch code (`.pth` / `.pt` / `.bin` or `.safetensors`): the
 *   `official` graph is built with the dimensions read off the checkpoint and the weights imported.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@befunet/common';
import * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../model/befunet.js';
import type { OfficialImportReport } from '../weights/official-checkpoint.js';
import { befunetFromOfficialStateDict } from '../weights/official-model.js';
import { readCheckpoint } from '../weights/read-checkpoint.js';
import { nodeFileSystem } from './file-system.js';

export interface LoadedBefunet {
  model: tfl.LayersModel;
  /** What was read: `tfjs` model folder or `official` checkpoint. */
  kind: 'tfjs' | 'official';
  /** For official checkpoints: what was loaded and what was skipped (with reasons). */
  importReport?: OfficialImportReport;
}

export async function loadBefunet(path: string): Promise<LoadedBefunet> {
  if (!existsSync(path)) throw new ConfigError(`model '${path}' does not exist`);
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'model.json'))) {
      throw new ConfigError(
        `folder '${path}' holds no model.json; give a folder written by befunet train/import/job, or an official .pth/.safetensors file`,
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
