/**
 * @befunet/core: the BEFUnet network and its user API (the README's): building and importing the
 * network, data sets and augmentations, training and evaluation, inference, and the file formats a
 * user reads and writes. The pieces behind it are on documented subpaths: `./model` (blocks,
 * initialisation, official mapping), `./data` (batching, pairing, sample steps), `./training`
 * (optimizers, schedules, checkpoint format, replayed steps), `./inference` (tiling, decisions,
 * planes), `./io` (every reader and writer), `./kernels` (TF.js kernel changes), `./node` (Node.js).
 *
 * The component packages are re-exported as namespaces (their names would otherwise collide), so
 * that one install gives the whole library: `import { pdc, swin } from '@befunet/core'`.
 */
export * as common from '@befunet/common';
export * as dlf from '@befunet/dlf';
export * as lcaf from '@befunet/lcaf';
export * as losses from '@befunet/losses';
export * as pdc from '@befunet/pdc';
export * as swin from '@befunet/swin';
// Data.
export { intensityJitter } from './data/augment/intensity-jitter.js';
export { officialAugmentations, officialGeometry } from './data/augment/official.js';
export { randomRot90Flip } from './data/augment/rot90-flip.js';
export { randomRotation } from './data/augment/rotate.js';
export type { Augmentation } from './data/batches.js';
export { checkDataset } from './data/check-dataset.js';
export type { SegmentationDataset, SegmentationSample } from './data/dataset.js';
export { type MaskKind, maskLabels } from './data/mask-labels.js';
// Files a user reads and writes (all readers and writers: `@befunet/core/io`).
export {
  type DecodedImage,
  decodeImage,
  decodePng,
  encodeNifti,
  encodePng,
  type NiftiSlice,
  type NiftiVolume,
  readNifti,
  readNiftiPair,
  sliceAxial,
  windowIntensity,
} from './data/readers/index.js';
export { resizedDataset, resizeTo } from './data/resize.js';
export { splitDataset, subsetDataset } from './data/split.js';
export { syntheticSample } from './data/synthetic.js';
export { SyntheticDataset, type SyntheticDatasetOptions } from './data/synthetic-dataset.js';
// Inference.
export { CLASS_PALETTE, classColor, classLegend, type Rgb } from './inference/class-palette.js';
export { type Overlay, renderOverlay } from './inference/overlay.js';
export { type ImagePrediction, type PredictOptions, predictImage } from './inference/predict-image.js';
export { predictProbabilities } from './inference/predict-probabilities.js';
export { predictVolume, type VolumeOptions, type VolumePrediction } from './inference/predict-volume.js';
export { ReplayedPredictor, releaseReplay } from './inference/replayed-predictor.js';
export { segment } from './inference/segment.js';
export { slidingWindow } from './inference/sliding-window.js';
// The network.
export { befunetConfigOf, type CreateBefunetOptions, createBefunet, tapModel } from './model/befunet.js';
export {
  type BefunetConfig,
  type BefunetOverrides,
  type BefunetPreset,
  befunetConfig,
  validateBefunetConfig,
} from './model/config.js';
export { type ModelReport, modelReport } from './model/report.js';
// Training and evaluation.
export { type CheckpointStore, memoryCheckpointStore } from './train/checkpoint-store.js';
export { type EvaluateOptions, evaluate } from './train/evaluate.js';
export { type StepInfo, type TrainOptions, type TrainResult, train } from './train/trainer.js';
export { trainingLoss } from './train/training-loss.js';
export { Progress, type ProgressStream } from './util/progress.js';
export { importOfficialStateDict, type OfficialImportReport } from './weights/official-checkpoint.js';
export { befunetFromOfficialStateDict } from './weights/official-model.js';
export { loadPretrainedSwin, type PretrainedSwinOptions } from './weights/pretrained-swin.js';
export { readCheckpoint } from './weights/read-checkpoint.js';
