export { type BceLossOptions, bceLoss, bceLossFn, bceWithLogits } from './bce-loss.js';
export { type BodyLossOptions, bodyLoss, bodyLossFn } from './body-loss.js';
export { type CrossEntropyLossOptions, crossEntropyLoss, crossEntropyLossFn } from './cross-entropy-loss.js';
export {
  type DeepSupervisionLossOptions,
  type DeepSupervisionWeightMode,
  deepSupervisionLoss,
  deepSupervisionWeights,
  resizeTarget,
} from './deep-supervision-loss.js';
export {
  type DiceCeLossOptions,
  diceCeLoss,
  diceCeLossFn,
  OFFICIAL_DICE_CE,
  officialDiceCeLossFn,
} from './dice-ce-loss.js';
export { type DiceLossOptions, diceLoss, diceLossFn } from './dice-loss.js';
export { type EdgeLossOptions, edgeBalanceWeights, edgeLoss, edgeLossFn } from './edge-loss.js';
export { type EdgeTargetsOptions, edgeTargets } from './edge-targets.js';
export { LabelValueError } from './errors.js';
export type { LossFn } from './loss-fn.js';
export {
  accuracyFromCounts,
  type ConfusionCounts,
  confusionCounts,
  diceFromCounts,
  iouFromCounts,
  sensitivityFromCounts,
  specificityFromCounts,
} from './metrics/confusion.js';
export { distanceTransform, squaredDistanceTransform } from './metrics/distance-transform.js';
export { EMPTY_POLICIES, type EmptyPolicy } from './metrics/empty-policy.js';
export {
  HAUSDORFF_CONVENTIONS,
  type HausdorffConvention,
  type HausdorffOptions,
  hausdorffDistance,
  percentile,
  surfaceDistances,
} from './metrics/hausdorff.js';
export {
  type AggregatedMetrics,
  type BinaryMetricsOptions,
  batchSegmentationMetrics,
  binaryMetrics,
  type CaseMetrics,
  type ClassMetrics,
  METRIC_NAMES,
  meanMetrics,
  nanMean,
  SegmentationMetrics,
  type SegmentationMetricsOptions,
  segmentationMetrics,
} from './metrics/segmentation-metrics.js';
export { surface } from './metrics/surface.js';
export type { Reduction } from './reduction.js';
export {
  assertBinary,
  assertClassLabels,
  checkBinary,
  checkClassLabels,
} from './targets.js';
export { type TotalLossInputs, type TotalLossOptions, totalLoss } from './total-loss.js';
