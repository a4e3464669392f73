/**
 * The data set contract every reader-backed data set, the trainer, the evaluator and the CLI share.
 * A sample is plain typed arrays (no tensors), so that data sets can be read, augmented and
 * shuffled without touching a TF.js backend; `batches.ts` turns samples into tensors.
 */

export interface SegmentationSample {
  /** Image, row-major [height, width, channels], float32, intensities roughly in 0..1. */
  image: Float32Array;
  /** Labels, row-major [height, width], values 0..numClasses-1. */
  label: Int32Array;
  height: number;
  width: number;
  channels: number;
  /** Where the sample came from (a file name, `volume.nii.gz#slice 40`, `synthetic#12`), for errors and overlays. */
  id: string;
}

export interface SegmentationDataset {
  /** A short name for logs. */
  readonly name: string;
  /** Number of samples. */
  readonly length: number;
  /** Classes including the background (label 0). */
  readonly numClasses: number;
  /** Channels of every image (1 grey, 3 RGB). */
  readonly channels: number;
  /** Sample `index` (0 <= index < length); the same index always gives the same sample. */
  get(index: number): Promise<SegmentationSample>;
}
