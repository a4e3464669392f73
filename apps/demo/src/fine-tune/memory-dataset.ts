/** A `SegmentationDataset` over samples already in memory (decoded and checked on the page). */
import type { SegmentationDataset, SegmentationSample } from '@befunet/core';

export function memoryDataset(
  name: string,
  samples: readonly SegmentationSample[],
  numClasses: number,
): SegmentationDataset {
  const first = samples[0];
  if (!first) throw new Error(`${name}: no samples`);
  return {
    name,
    length: samples.length,
    numClasses,
    channels: first.channels,
    get: async (index) => {
      const sample = samples[index];
      if (!sample) throw new RangeError(`${name}: no sample ${index} (of ${samples.length})`);
      return sample;
    },
  };
}
