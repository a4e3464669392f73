/**
 * Where the model comes from: the `tiny` model shipped with the page (TF.js format in `model/`),
 * a TF.js model the user picks (model.json + its weights files), or an official BEFUnet checkpoint
 * (`.pth` or safetensors) imported into the `official` graph. Importing @befunet/core registers
 * its custom layer classes, which `tf.loadLayersModel` needs.
 */
import { befunetConfigOf, befunetFromOfficialStateDict, common, readCheckpoint } from '@befunet/core';
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

/** An official BEFUnet checkpoint (`.pth`/`.pt` zip or safetensors) in the `official` graph. */
export async function loadOfficialCheckpoint(file: File): Promise<LoadedModel> {
  const stateDict = readCheckpoint(new Uint8Array(await file.arrayBuffer()), file.name);
  // Dimensions (width, depths, heads, window, classes, input size) are read off the checkpoint.
  const { model, report } = befunetFromOfficialStateDict(stateDict);
  return describe(model, `official checkpoint ${file.name} (${report.loaded} tensors)`);
}
