/**
 * Checking a sample before it becomes part of a batch: a reader or an augmentation that produces
 * arrays of the wrong length, NaN or infinite intensities, or labels outside the data set's classes
 * would otherwise be stacked silently (a short array leaves zeros, a long one spills into the next
 * image) or make the loss ignore pixels (a one-hot row of an out-of-range label is all zeros).
 */
import { InvalidValueError, ShapeError } from '@befunet/common';
import type { SegmentationSample } from './dataset.js';

/**
 * Throws a ShapeError when the sample's sizes are not positive integers or its arrays do not have
 * height x width (x channels) elements, and an InvalidValueError for a NaN or infinite intensity or,
 * when `numClasses` is given, a label that is not an integer in [0, numClasses).
 */
export function checkSample(s: SegmentationSample, numClasses?: number): void {
  for (const [name, v] of [
    ['height', s.height],
    ['width', s.width],
    ['channels', s.channels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ShapeError(`sample ${s.id}: ${name} must be a positive integer, got ${v}`);
  }
  const pixels = s.height * s.width;
  if (s.image.length !== pixels * s.channels) {
    throw new ShapeError(
      `sample ${s.id}: image has ${s.image.length} values, but ${s.height}x${s.width}x${s.channels} needs ${pixels * s.channels}`,
    );
  }
  if (s.label.length !== pixels) {
    throw new ShapeError(
      `sample ${s.id}: label map has ${s.label.length} values, but the ${s.height}x${s.width} image needs ${pixels} (image and mask sizes differ)`,
    );
  }
  for (let i = 0; i < s.image.length; i++) {
    if (!Number.isFinite(s.image[i]!)) {
      throw new InvalidValueError(
        `sample ${s.id}: image holds ${s.image[i]} at flat index ${i} (NaN or infinite)`,
      );
    }
  }
  if (numClasses === undefined) return;
  for (let i = 0; i < s.label.length; i++) {
    const v = s.label[i]!;
    if (v < 0 || v >= numClasses) {
      throw new InvalidValueError(
        `sample ${s.id}: label ${v} at flat index ${i} is outside the data set's classes [0, ${numClasses})`,
      );
    }
  }
}
