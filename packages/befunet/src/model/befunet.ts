/**
 * `createBefunet`: a BEFUnet as a TF.js LayersModel (input NHWC [B, S, S, 3] float32, output logits
 * [B, S, S, K]), built from the component layers so that `summary()` lists every sub-layer with its
 * parameters. The configuration is stored in the model's user-defined metadata and so saved with it.
 */
import { ConfigError } from '@befunet/common';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  type BefunetConfig,
  type BefunetOverrides,
  type BefunetPreset,
  befunetConfig,
  validateBefunetConfig,
} from './config.js';
import { initializeWeights } from './initialize-weights.js';
import { buildOfficialGraph } from './official-graph.js';
import { buildPaperGraph } from './paper-graph.js';

const METADATA_KEY = 'befunet';

export interface CreateBefunetOptions {
  /**
   * Makes the initial weights a pure function of this integer (>= 0), the same in every process
   * and on every backend (see `initializeWeights`). Defaults to TF.js's unseeded initialisation.
   */
  seed?: number;
}

export function createBefunet(
  preset: BefunetPreset | BefunetConfig = 'paper',
  overrides: BefunetOverrides = {},
  options: CreateBefunetOptions = {},
): tfl.LayersModel {
  const config = typeof preset === 'string' ? befunetConfig(preset, overrides) : { ...preset };
  validateBefunetConfig(config);
  const model = config.graph === 'official' ? buildOfficialGraph(config) : buildPaperGraph(config);
  if (options.seed !== undefined) initializeWeights(model, options.seed);
  model.setUserDefinedMetadata({ [METADATA_KEY]: config as unknown as Record<string, unknown> });
  return model;
}

/** The configuration a BEFUnet model was built with (also after `loadLayersModel`). */
export function befunetConfigOf(model: tfl.LayersModel): BefunetConfig {
  const config = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[METADATA_KEY];
  if (!config)
    throw new ConfigError(`model '${model.name}' is not a BEFUnet (no '${METADATA_KEY}' metadata)`);
  return config as BefunetConfig;
}

/** A model with the same input whose outputs are the named layers' outputs (for inspection and tests). */
export function tapModel(model: tfl.LayersModel, layerNames: readonly string[]): tfl.LayersModel {
  return tfl.model({
    inputs: model.inputs,
    outputs: layerNames.map((n) => model.getLayer(n).output as tfl.SymbolicTensor),
    name: `${model.name}_taps`,
  });
}
