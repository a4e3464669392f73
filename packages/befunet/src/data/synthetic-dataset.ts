/**
 * The embedded default data set: `length` synthetic organ images (see `synthetic.ts`), drawn on
 * demand, so it needs neither a download nor disk space.
 *
 *   new SyntheticDataset(64)                                   64 images of 224 px, 4 classes, seed 0
 *   new SyntheticDataset(64, 1, { size: 64, numClasses: 2 })   another seed, size and class count
 *   new SyntheticDataset({ length: 64, seed: 1, size: 64 })    the same as one options object
 *
 * The same (seed, index, options) always give the same sample; the options are checked at once.
 */

import { ConfigError } from '@befunet/common';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';
import { checkSampleIndex } from './sample-index.js';
import { resolveSyntheticOptions, type SyntheticOptions, syntheticSample } from './synthetic.js';

export interface SyntheticDatasetOptions extends SyntheticOptions {
  /** Number of images. */
  length: number;
  /** Which images: another seed gives another set. Defaults to 0. */
  seed?: number;
}

export class SyntheticDataset implements SegmentationDataset {
  readonly name: string;
  readonly numClasses: number;
  readonly channels = 1;

  readonly length: number;
  private readonly seed: number;
  private readonly options: Required<SyntheticOptions>;

  /** `length` images drawn with `seed` (default 0) and `options`, or one options object. */
  constructor(length: number | SyntheticDatasetOptions, seed?: number, options: SyntheticOptions = {}) {
    if (typeof length === 'object' && length !== null) {
      if (seed !== undefined)
        throw new ConfigError('SyntheticDataset: give (options) or (length, seed, options)');
      const { length: count, seed: s, ...rest } = length;
      [length, seed, options] = [count, s, rest];
    }
    if (!(Number.isSafeInteger(length) && length >= 1)) {
      throw new ConfigError(`SyntheticDataset: length must be an integer >= 1, got ${length}`);
    }
    seed ??= 0;
    if (!(Number.isSafeInteger(seed) && seed >= 0)) {
      throw new ConfigError(`SyntheticDataset: seed must be an integer >= 0, got ${seed}`);
    }
    this.length = length;
    this.seed = seed;
    this.options = resolveSyntheticOptions(options);
    this.numClasses = this.options.numClasses;
    this.name = `synthetic(seed ${seed})`;
  }

  async get(index: number): Promise<SegmentationSample> {
    checkSampleIndex(this.name, index, this.length);
    const s = syntheticSample(this.seed, index, this.options);
    return {
      image: s.image,
      label: s.label,
      height: s.size,
      width: s.size,
      channels: 1,
      id: `synthetic#${index}`,
    };
  }
}
