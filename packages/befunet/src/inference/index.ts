/** Inference on images of any size and on NIfTI volumes, decisions, and overlays. */

export {
  CLASS_PALETTE,
  classColor,
  classLegend,
  formatLegend,
  type LegendEntry,
  type Rgb,
} from './class-palette.js';
export { type DecisionOptions, decideLabels } from './decisions.js';
export { GAUSSIAN_SIGMA_SCALE, gaussianImportanceMap } from './gaussian-importance.js';
export { type ImageInput, imageTensor } from './image-input.js';
export type { InferenceOptions } from './inference-options.js';
export { OVERLAY_GAP, type Overlay, type OverlayOptions, renderOverlay } from './overlay.js';
export { type ImagePrediction, type PredictOptions, predictImage } from './predict-image.js';
export { predictProbabilities } from './predict-probabilities.js';
export { predictVolume, type VolumeOptions, type VolumePrediction } from './predict-volume.js';
export { logitsToProbabilities, predictedClassCount } from './probabilities.js';
export { ReplayedPredictor, releaseReplay, replayedPredictor } from './replayed-predictor.js';
export { resizedPrediction } from './resized-prediction.js';
export { slidingWindow } from './sliding-window.js';
export { tileStarts } from './tile-grid.js';
export { planeCount, type VolumeAxis, volumePlane, writeVolumePlane } from './volume-planes.js';
