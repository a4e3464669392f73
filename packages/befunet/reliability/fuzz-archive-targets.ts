/**
 * Fuzz targets for the archive and model formats: a small `torch.save` checkpoint (read by
 * readTorchCheckpoint) and a TF.js layers model, whose `model.json` and weights file are fuzzed
 * separately through the checks nodeFileSystem applies before TF.js sees them.
 */
import {
  modelArtifacts,
  parseModelJson,
  readTorchCheckpoint,
  type SafetensorsEntry,
  writeTorchCheckpoint,
} from '@befunet/common';
import type { FuzzTarget } from './fuzz-readers.js';

const WEIGHTS_FILE = 'weights.bin';

/** A Keras Sequential model of one Dense layer (3 inputs, 2 units), as tfjs-layers serialises it. */
export const DENSE_MODEL_TOPOLOGY = {
  class_name: 'Sequential',
  config: {
    name: 'fuzz',
    layers: [
      {
        class_name: 'Dense',
        config: {
          name: 'dense',
          units: 2,
          activation: 'linear',
          use_bias: true,
          kernel_initializer: { class_name: 'Zeros', config: {} },
          bias_initializer: { class_name: 'Zeros', config: {} },
          trainable: true,
          batch_input_shape: [null, 3],
          dtype: 'float32',
        },
      },
    ],
  },
  keras_version: 'tfjs-layers 4.22.0',
  backend: 'tensor_flow.js',
};

/** The Dense layer's kernel [3, 2] (row-major) and bias [2]. */
export const DENSE_KERNEL = [0.5, -1, 2, 0.25, -3, 1.5];
export const DENSE_BIAS = [0.125, -0.5];

/** model.json and weights.bin of the Dense model. */
export function denseModelFiles(): { modelJson: Uint8Array; weights: Uint8Array } {
  const json = {
    modelTopology: DENSE_MODEL_TOPOLOGY,
    format: 'layers-model',
    generatedBy: 'befunet fuzz',
    weightsManifest: [
      {
        paths: [WEIGHTS_FILE],
        weights: [
          { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' },
          { name: 'dense/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
  };
  return {
    modelJson: new TextEncoder().encode(JSON.stringify(json)),
    weights: new Uint8Array(Float32Array.from([...DENSE_KERNEL, ...DENSE_BIAS]).buffer),
  };
}

/** A small state dict written as a torch.save checkpoint. */
export function smallTorchCheckpoint(): Uint8Array {
  const state = new Map<string, SafetensorsEntry>([
    ['conv.weight', { dtype: 'F32', shape: [2, 3, 1, 1], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ['conv.bias', { dtype: 'F32', shape: [2], values: Float32Array.from([0.5, -0.5]) }],
    ['norm.num_batches_tracked', { dtype: 'I32', shape: [], values: Int32Array.from([7]) }],
  ]);
  return writeTorchCheckpoint(state, 'small');
}

/** The targets: `pth`, `tfjs model.json`, `tfjs weights.bin`. */
export function archiveFuzzTargets(): FuzzTarget[] {
  const { modelJson, weights } = denseModelFiles();
  const folder = (source: string) => source.replace(/\/[^/]*$/, '') || '.';
  return [
    { name: 'pth', sample: smallTorchCheckpoint(), read: (b, s) => readTorchCheckpoint(b, s) },
    {
      name: 'tfjs model.json',
      sample: modelJson,
      read: (b, s) => modelArtifacts(parseModelJson(b, s), new Map([[WEIGHTS_FILE, weights]]), folder(s)),
    },
    {
      name: 'tfjs weights.bin',
      sample: weights,
      read: (b, s) =>
        modelArtifacts(parseModelJson(modelJson, 'model.json'), new Map([[WEIGHTS_FILE, b]]), s),
    },
  ];
}
