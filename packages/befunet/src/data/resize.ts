/**
 * Resizing samples to the model's input size: the image bilinearly, the label by nearest
 * neighbour, both with half-pixel centres (TF's `resizeBilinear` / `resizeNearestNeighbor` with
 * `halfPixelCenters: true`, PyTorch's `interpolate(align_corners=False)` for bilinear): output pixel
 * d samples the input at (d + 0.5) * in / out - 0.5, clamped to the image.
 */
import { ConfigError } from '@befunet/common';
import type { Augmentation } from './batches.js';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';
import { resampleSample } from './resample.js';

/** A square side or a height and a width, in pixels. */
export type SampleSize = number | { readonly height: number; readonly width: number };

function sizeOf(size: SampleSize): { height: number; width: number } {
  const { height, width } = typeof size === 'number' ? { height: size, width: size } : size;
  for (const [name, n] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError(`resize: ${name} must be a positive integer, got ${n}`);
  }
  return { height, width };
}

/** `sample` resized to `size` (a new sample; the same object when it already has that size). */
export function resizeSample(sample: SegmentationSample, size: SampleSize): SegmentationSample {
  const { height, width } = sizeOf(size);
  if (height === sample.height && width === sample.width) return sample;
  const sy = sample.height / height;
  const sx = sample.width / width;
  const map = { rr: sy, rc: 0, r0: 0.5 * sy - 0.5, cr: 0, cc: sx, c0: 0.5 * sx - 0.5 };
  return resampleSample(sample, height, width, map, 'clamp');
}

/** The augmentation that brings every sample to `size` (no randomness): put it last. */
export function resizeTo(size: SampleSize): Augmentation {
  sizeOf(size);
  return (sample) => resizeSample(sample, size);
}

/** A view of `dataset` whose samples are resized to `size` (for validation and evaluation data). */
export function resizedDataset(dataset: SegmentationDataset, size: SampleSize): SegmentationDataset {
  return {
    name: dataset.name,
    length: dataset.length,
    numClasses: dataset.numClasses,
    channels: dataset.channels,
    get: async (index) => resizeSample(await dataset.get(index), size),
  };
}
