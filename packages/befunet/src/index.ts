/**
 * @befunet/core: the BEFUnet network and everything around it.
 *
 * The component packages are re-exported as namespaces (their names would otherwise collide), so
 * that one install gives the whole library: `import { pdc, swin } from '@befunet/core'`.
 */
export * as common from '@befunet/common';
export { type ModelJson, manifestBytes, modelArtifacts, parseModelJson, SeededRandom } from '@befunet/common';
export * as dlf from '@befunet/dlf';
export * as lcaf from '@befunet/lcaf';
export * as losses from '@befunet/losses';
export * as pdc from '@befunet/pdc';
export * as swin from '@befunet/swin';
export {
  changeIntensity,
  type IntensityChange,
  type IntensityJitterOptions,
  intensityJitter,
} from './data/augment/intensity-jitter.js';
export { officialAugmentations, officialGeometry } from './data/augment/official.js';
export { flipSample, randomRot90Flip, rot90Sample } from './data/augment/rot90-flip.js';
export { randomRotation, rotateSample } from './data/augment/rotate.js';
export {
  type Augmentation,
  type Batch,
  type BatchOptions,
  batchesPerEpoch,
  epochOrder,
  mixSeed,
  stackSamples,
  trainingBatch,
} from './data/batches.js';
export { type CheckDatasetOptions, checkDataset } from './data/check-dataset.js';
export { checkSample } from './data/check-sample.js';
export type { SegmentationDataset, SegmentationSample } from './data/dataset.js';
export { type FilePair, imageKey, labelKey, pairFiles } from './data/file-pairing.js';
export { type MaskKind, type MaskLabels, maskLabels } from './data/mask-labels.js';
export * from './data/readers/index.js';
export { type PixelMap, type ResampleEdge, resampleSample } from './data/resample.js';
export { resizedDataset, resizeSample, resizeTo, type SampleSize } from './data/resize.js';
export {
  type DatasetSplit,
  type SplitOptions,
  SubsetDataset,
  splitDataset,
  subsetDataset,
} from './data/split.js';
export { type SyntheticOptions, type SyntheticSample, syntheticSample } from './data/synthetic.js';
export { SyntheticDataset, type SyntheticDatasetOptions } from './data/synthetic-dataset.js';
export { ConvUpsample, type ConvUpsampleArgs } from './decoder/conv-upsample.js';
export { Decoder, type DecoderArgs, type DecoderTaps } from './decoder/decoder.js';
export { upsampleBilinear } from './decoder/upsample.js';
export * from './inference/index.js';
export { segment } from './inference/segment.js';
export { type Conv2dGeometry, conv2dBackpropFilterNhwc } from './kernels/cpu-conv2d-backprop-filter.js';
export {
  type DepthwiseGeometry,
  depthwiseBackpropFilterNhwc,
} from './kernels/cpu-depthwise-backprop-filter.js';
export { registerFastCpuKernels, restoreCpuKernels } from './kernels/cpu-kernels.js';
export { registerTileGradient, tileGradient } from './kernels/tile-gradient.js';
export { wasmBatchMatMulOver } from './kernels/wasm-batch-matmul.js';
export {
  registerWasmTrainingKernels,
  restoreWasmKernels,
  WASM_FASTER_KERNELS,
  WASM_MISSING_KERNELS,
  WASM_WRAPPING_KERNELS,
} from './kernels/wasm-kernels.js';
export { TARGET_THREADS_FLAG as WEBGPU_FILTER_GRADIENT_THREADS_FLAG } from './kernels/webgpu-filter-gradient.js';
export {
  registerWebGpuKernels,
  restoreWebGpuKernel,
  restoreWebGpuKernels,
  WEBGPU_KERNELS,
} from './kernels/webgpu-kernels.js';
export { GroupNorm, type GroupNormArgs, groupNorm } from './layers/group-norm.js';
export { PositionNorm, type PositionNormArgs } from './layers/position-norm.js';
export { befunetConfigOf, type CreateBefunetOptions, createBefunet, tapModel } from './model/befunet.js';
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
} from './model/config.js';
export { drawInitial, initializeWeights, weightSeed } from './model/initialize-weights.js';
export { assertFinite, prepareImages } from './model/input.js';
export { OFFICIAL_TAPS } from './model/official-graph.js';
export {
  type ComponentReport,
  kernelMacs,
  type ModelReport,
  modelReport,
  type OfficialParameterCounts,
  officialParameterCounts,
} from './model/report.js';
export {
  fans,
  type InitialDistribution,
  initializerDistribution,
  type WeightInitializer,
  weightInitializers,
} from './model/weight-initializers.js';
export { weightsDigest } from './model/weights-digest.js';
export { type AccumulatedGradients, accumulateGradients } from './train/accumulate-gradients.js';
export { AdamW, type AdamWConfig, type ResolvedAdamWConfig } from './train/adamw.js';
export {
  CHECKPOINT_FILES,
  type CheckpointFiles,
  encodeCheckpoint,
  namedWeights,
  readCheckpointState,
  restoreCheckpoint,
  type TrainProgressState,
} from './train/checkpoint.js';
export { type CheckpointStore, type CheckpointTag, memoryCheckpointStore } from './train/checkpoint-store.js';
export { type EvaluateOptions, evaluate } from './train/evaluate.js';
export { installLowMemoryGradients } from './train/low-memory-gradients.js';
export {
  createOptimizer,
  type OptimizerConfig,
  type ResolvedOptimizerConfig,
  resolveOptimizerConfig,
  type TrainOptimizer,
} from './train/optimizer.js';
export { ReplayedTrainingStep, type TrainingLossFunction } from './train/replayed-training-step.js';
export { classCounts, RunningDice } from './train/running-dice.js';
export {
  type LrSchedule,
  learningRateAt,
  type ResolvedLrSchedule,
  resolveSchedule,
} from './train/schedule.js';
export { type ResolvedSgdConfig, Sgd, type SgdConfig } from './train/sgd.js';
export { type OptimizerState, type ParameterUpdate, SlotOptimizer } from './train/slot-optimizer.js';
export { SplitReplayedStep, type StepGradients } from './train/split-replayed-step.js';
export { type BestMetric, type FileDigest, parseTrainState, type TrainState } from './train/train-state.js';
export {
  type StepInfo,
  type TrainOptions,
  type TrainResult,
  train,
  type ValidationRecord,
} from './train/trainer.js';
export { type TrainingLossOptions, trainingLoss } from './train/training-loss.js';
export { CHECKPOINT_FORMAT, LIBRARY_VERSION } from './train/version.js';
export { formatDuration, Progress, type ProgressOptions, type ProgressStream } from './util/progress.js';
export { importOfficialStateDict, type OfficialImportReport } from './weights/official-checkpoint.js';
export { officialConfigFromStateDict } from './weights/official-config.js';
export { checkDecoderDuplicates, officialDecoderAssignments } from './weights/official-decoder.js';
export { befunetFromOfficialStateDict } from './weights/official-model.js';
export {
  loadPretrainedSwin,
  type PretrainedSwinOptions,
  type PretrainedSwinReport,
} from './weights/pretrained-swin.js';
export { readCheckpoint } from './weights/read-checkpoint.js';
