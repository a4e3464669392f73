/**
 * `@befunet/core/model`: the network's building blocks (decoder, norms), configuration helpers, weight
 * initialisation, reports, and the mapping of the official checkpoint, for those who build on them.
 */

export { type ModelJson, manifestBytes, modelArtifacts, parseModelJson } from '@befunet/common';
export { ConvUpsample, type ConvUpsampleArgs } from '../decoder/conv-upsample.js';
export { Decoder, type DecoderArgs, type DecoderTaps } from '../decoder/decoder.js';
export { upsampleBilinear } from '../decoder/upsample.js';
export { GroupNorm, type GroupNormArgs, groupNorm } from '../layers/group-norm.js';
export { PositionNorm, type PositionNormArgs } from '../layers/position-norm.js';
export { importOfficialStateDict, type OfficialImportReport } from '../weights/official-checkpoint.js';
export { officialConfigFromStateDict } from '../weights/official-config.js';
export { checkDecoderDuplicates, officialDecoderAssignments } from '../weights/official-decoder.js';
export { befunetFromOfficialStateDict } from '../weights/official-model.js';
export { loadPretrainedPidinet, type PretrainedPidinetReport } from '../weights/pretrained-pidinet.js';
export {
  loadPretrainedSwin,
  type PretrainedSwinOptions,
  type PretrainedSwinReport,
} from '../weights/pretrained-swin.js';
export { readCheckpoint } from '../weights/read-checkpoint.js';
export { befunetConfigOf, type CreateBefunetOptions, createBefunet, tapModel } from './befunet.js';
export {
  type BefunetConfig,
  type BefunetGraph,
  type BefunetOverrides,
  type BefunetPreset,
  befunetConfig,
  type DecoderConfig,
  type DlfConfig,
  type LcafConfig,
  levelGrids,
  levelWidths,
  validateBefunetConfig,
} from './config.js';
export { drawInitial, initializeWeights, weightSeed } from './initialize-weights.js';
export { assertFinite, prepareImages } from './input.js';
export { OFFICIAL_TAPS } from './official-graph.js';
export {
  type ComponentReport,
  kernelMacs,
  type ModelReport,
  modelReport,
  type OfficialParameterCounts,
  officialParameterCounts,
} from './report.js';
export {
  fans,
  type InitialDistribution,
  initializerDistribution,
  type WeightInitializer,
  weightInitializers,
} from './weight-initializers.js';
export { weightsDigest } from './weights-digest.js';
