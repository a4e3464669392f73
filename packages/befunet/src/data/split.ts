/**
 * Views of a data set: a subset of its samples by index, and a seeded train/validation split.
 * Views read through to the source data set; nothing is copied.
 */
import { ConfigError, InvalidValueError } from '@befunet/common';
import { epochOrder, mixSeed } from './batches.js';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';
import { checkSampleIndex } from './sample-index.js';

/** The samples `indices` of `source`, in that order. */
export class SubsetDataset implements SegmentationDataset {
  readonly numClasses: number;
  readonly channels: number;
  readonly length: number;

  constructor(
    readonly source: SegmentationDataset,
    /** Index in `source` of each sample of this view. */
    readonly indices: readonly number[],
    readonly name = `${source.name}[${indices.length} of ${source.length}]`,
  ) {
    const seen = new Set<number>();
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= source.length) {
        throw new InvalidValueError(
          `subset of '${source.name}': index ${i} is outside 0..${source.length - 1}`,
        );
      }
      if (seen.has(i)) throw new InvalidValueError(`subset of '${source.name}': index ${i} is listed twice`);
      seen.add(i);
    }
    this.numClasses = source.numClasses;
    this.channels = source.channels;
    this.length = indices.length;
  }

  async get(index: number): Promise<SegmentationSample> {
    checkSampleIndex(this.name, index, this.length);
    return this.source.get(this.indices[index]!);
  }
}

/** The samples `indices` of `dataset` (distinct, in range), in that order. */
export function subsetDataset(dataset: SegmentationDataset, indices: readonly number[]): SubsetDataset {
  return new SubsetDataset(dataset, [...indices]);
}

export interface SplitOptions {
  /** Share of the samples that go to validation, in (0, 1); the count is rounded, at least 1. */
  validationFraction: number;
  /** Seed of the draw: the same seed gives the same split. */
  seed: number;
}

export interface DatasetSplit {
  train: SubsetDataset;
  validation: SubsetDataset;
}

/** A tag mixed into the seed, so that a split and the epoch orders of the same seed differ. */
const SPLIT_TAG = 0x5b117;

/**
 * Splits `dataset` into disjoint train and validation views that together hold every sample:
 * round(length * validationFraction) samples (at least 1) drawn by a seeded permutation go to
 * validation, the rest to train; both keep the source order.
 */
export function splitDataset(dataset: SegmentationDataset, options: SplitOptions): DatasetSplit {
  const { validationFraction: fraction, seed } = options;
  if (!(fraction > 0 && fraction < 1)) {
    throw new ConfigError(`splitDataset: validationFraction must be in (0, 1), got ${fraction}`);
  }
  const n = dataset.length;
  const count = Math.max(1, Math.round(n * fraction));
  if (count >= n) {
    throw new ConfigError(
      `splitDataset: '${dataset.name}' has ${n} samples; a validation share of ${fraction} leaves none to train on`,
    );
  }
  const order = epochOrder(mixSeed(seed, SPLIT_TAG), 0, n);
  const ascending = (a: number, b: number) => a - b;
  const validation = [...order.subarray(0, count)].sort(ascending);
  const train = [...order.subarray(count)].sort(ascending);
  return {
    train: new SubsetDataset(dataset, train, `${dataset.name}[train]`),
    validation: new SubsetDataset(dataset, validation, `${dataset.name}[validation]`),
  };
}
