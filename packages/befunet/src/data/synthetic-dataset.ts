/**
 * The embedded default data set: `length` synthetic organ images (see `synthetic.ts`), drawn on
 * demand, so it needs neither a download nor disk space.
 */
import type { SegmentationDataset, SegmentationSample } from './dataset.js';
import { checkSampleIndex } from './sample-index.js';
import { type SyntheticOptions, syntheticSample } from './synthetic.js';

export class SyntheticDataset implements SegmentationDataset {
  readonly name: string;
  readonly numClasses: number;
  readonly channels = 1;

  constructor(
    readonly length: number,
    private readonly seed: number,
    private readonly options: SyntheticOptions = {},
  ) {
    this.numClasses = options.numClasses ?? 4;
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
