/**
 * `@befunet/core/data`: the data-set pieces behind the main entry (batching, file pairing, per-sample
 * augmentation and resampling steps).
 */
export {
  changeIntensity,
  type IntensityChange,
  type IntensityJitterOptions,
  intensityJitter,
} from './augment/intensity-jitter.js';
export { officialAugmentations, officialGeometry } from './augment/official.js';
export { flipSample, randomRot90Flip, rot90Sample } from './augment/rot90-flip.js';
export { randomRotation, rotateSample } from './augment/rotate.js';
export {
  type Augmentation,
  type Batch,
  type BatchOptions,
  batchesPerEpoch,
  epochOrder,
  mixSeed,
  stackSamples,
  trainingBatch,
} from './batches.js';
export { checkSample } from './check-sample.js';
export { type FilePair, imageKey, labelKey, pairFiles, stemOf } from './file-pairing.js';
export { colourChannels, withChannels } from './image-channels.js';
export { type MaskKind, type MaskLabels, maskLabels } from './mask-labels.js';
export { type PixelMap, type ResampleEdge, resampleSample } from './resample.js';
export { resizedDataset, resizeSample, resizeTo, type SampleSize } from './resize.js';
export {
  type DatasetSplit,
  type SplitOptions,
  SubsetDataset,
  splitDataset,
  subsetDataset,
} from './split.js';
export { type SyntheticOptions, type SyntheticSample, syntheticSample } from './synthetic.js';
