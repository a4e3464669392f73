/**
 * Reads every sample of a data set once and checks it against the data set's contract
 * (`dataset.ts`), so that a bad file stops a training run before its first step, not when the
 * sample is first drawn hours later. Each reader already refuses what it cannot read (a mask of
 * another size than its image, labels out of range); this pass makes all of them speak up front.
 */
import { ShapeError } from '@befunet/common';
import { assertClassLabels } from '@befunet/losses';
import { Progress, type ProgressStream } from '../util/progress.js';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';

export interface CheckDatasetOptions {
  /** Where the progress line goes; false for none. */
  progress?: ProgressStream | false;
}

/**
 * Throws for the first sample that breaks the contract, naming it: a ShapeError for sizes and
 * channels, a LabelValueError (`assertClassLabels`) for labels outside 0..numClasses-1.
 */
export async function checkDataset(
  dataset: SegmentationDataset,
  options: CheckDatasetOptions = {},
): Promise<void> {
  const progress =
    options.progress === false
      ? undefined
      : new Progress(`checking ${dataset.name}`, dataset.length, {
          unit: 'samples',
          ...(options.progress && { stream: options.progress }),
        });
  for (let i = 0; i < dataset.length; i++) {
    checkSample(await dataset.get(i), dataset);
    progress?.update(i + 1);
  }
}

function checkSample(sample: SegmentationSample, dataset: SegmentationDataset): void {
  const { height, width, channels, id } = sample;
  const fail = (problem: string) => {
    throw new ShapeError(`data set '${dataset.name}', sample ${id}: ${problem}`);
  };
  if (channels !== dataset.channels) fail(`${channels} channels, the data set has ${dataset.channels}`);
  if (sample.image.length !== height * width * channels) {
    fail(`image holds ${sample.image.length} values, not ${height}x${width}x${channels}`);
  }
  if (sample.label.length !== height * width) {
    fail(`mask holds ${sample.label.length} labels, not ${height}x${width} (the image's size)`);
  }
  assertClassLabels(sample.label, dataset.numClasses, `data set '${dataset.name}', sample ${id}: mask`);
  for (const value of sample.image) if (!Number.isFinite(value)) fail(`the image holds ${value}`);
}
