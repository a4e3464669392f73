/**
 * Where the model comes from: the `tiny` model shipped with the page (TF.js format in `model/`),
 * a TF.js model the user picks (model.json + its weights files), or an official BEFUnet checkpoint
 * (`.pth` or safetensors) imported into the `official` graph. Importing @befunet/core registers
 * its custom layer classes, which `tf.loadLayersModel` needs.
 */
import {
  befunetConfig,
  befunetConfigOf,
  common,
  createBefunet,
  importOfficialStateDict,
  readCheckpoint,
} from '@befunet/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface LoadedModel {
  model: tfl.LayersModel;
  /** What the page shows as the model's origin. */
  description: string;
}

function describe(model: tfl.LayersModel, origin: string): LoadedModel {
  const config = befunetConfigOf(model);
  const size = `${config.imageSize}x${config.imageSize}`;
  return {
    model,
    description: `${origin}: ${config.graph} graph, ${size} input, ${config.numClasses} classes, ${model.countParams().toLocaleString('en-US')} parameters`,
  };
}

/** The model shipped with the page. */
export async function loadShippedModel(url: URL): Promise<LoadedModel> {
  try {
    return describe(await tfl.loadLayersModel(url.href), `shipped model (${url.pathname})`);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    throw new common.FileFormatError(
      url.pathname,
      `the model shipped with the page did not load: ${problem}`,
    );
  }
}

/** A TF.js layers model from the files the user picked: one `.json` and the weights files it names. */
export async function loadTfjsFiles(files: readonly File[]): Promise<LoadedModel> {
  const names = files.map((f) => f.name).join(', ');
  const json = files.filter((f) => f.name.endsWith('.json'));
  if (json.length !== 1) {
    throw new common.FileFormatError(
      names,
      `pick one model.json and its weights files (found ${json.length} .json files)`,
    );
  }
  const weights = files.filter((f) => f !== json[0]);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.browserFiles([json[0]!, ...weights]));
  } catch (error) {
    throw new common.FileFormatError(names, error instanceof Error ? error.message : String(error));
  }
  return describe(model, `TF.js model ${json[0]!.name}`);
}

/** Classes of an official checkpoint: the rows of its segmentation head's kernel [K, 16, 3, 3]. */
function officialClasses(stateDict: ReturnType<typeof readCheckpoint>, source: string): number {
  const head = stateDict.get('segmentation_head.0.weight');
  if (head?.shape.length !== 4) {
    throw new common.WeightLoadError(
      `${source}: not an official BEFUnet checkpoint (no 4-D 'segmentation_head.0.weight')`,
    );
  }
  return head.shape[0]!;
}

/** An official BEFUnet checkpoint (`.pth`/`.pt` zip or safetensors) in the `official` graph. */
export async function loadOfficialCheckpoint(file: File): Promise<LoadedModel> {
  const stateDict = readCheckpoint(new Uint8Array(await file.arrayBuffer()), file.name);
  const config = befunetConfig('official', { numClasses: officialClasses(stateDict, file.name) });
  const model = createBefunet(config);
  try {
    const report = importOfficialStateDict(model, stateDict);
    return describe(model, `official checkpoint ${file.name} (${report.loaded} tensors)`);
  } catch (error) {
    model.dispose();
    throw error;
  }
}
