/**
 * A model as plain data and back: TF.js model artifacts (topology + one weights buffer) that cross
 * to and from the training worker, and the two files `model.save(nodeFileSystem(dir))` writes
 * (model.json naming weights.bin), zipped for download.
 */
import { createBefunet } from '@befunet/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { zipSync } from 'fflate';
import type { ModelArtifacts } from './protocol.js';

export const WEIGHTS_FILE = 'weights.bin';

/** The model's artifacts, its weights in one ArrayBuffer. */
export async function modelArtifacts(model: tfl.LayersModel): Promise<ModelArtifacts> {
  let saved: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.weightData) throw new Error('the model saved no weights');
  return { ...saved, weightData: tf.io.CompositeArrayBuffer.join(saved.weightData) };
}

/** A model from artifacts made by `modelArtifacts`. */
export function modelFromArtifacts(artifacts: ModelArtifacts): Promise<tfl.LayersModel> {
  // The layer classes register themselves (tf.serialization.registerClass) in the modules that
  // `createBefunet` builds from; this use keeps them in the worker's bundle, which only loads models.
  if (typeof createBefunet !== 'function') throw new Error('@befunet/core did not load');
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}

/** model.json as TF.js writes it to disk: the topology, the metadata and a manifest naming weights.bin. */
export function modelJson(artifacts: ModelArtifacts): string {
  return JSON.stringify({
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    ...(artifacts.trainingConfig && { trainingConfig: artifacts.trainingConfig }),
    // The BEFUnet configuration lives here (`befunetConfigOf` reads it).
    ...(artifacts.userDefinedMetadata && { userDefinedMetadata: artifacts.userDefinedMetadata }),
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  });
}

/** A zip of model.json and weights.bin. */
export function modelZip(artifacts: ModelArtifacts): Uint8Array {
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
  return zipSync({ 'model.json': new TextEncoder().encode(modelJson(artifacts)), [WEIGHTS_FILE]: weights });
}
