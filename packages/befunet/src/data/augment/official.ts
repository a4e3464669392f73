/**
 * The official BEFUnet (TransUNet) training augmentation, `RandomGenerator` of
 * `datasets/dataset_synapse.py`: with probability 0.5 a random rot90 + flip; otherwise, with
 * probability 0.5, a random rotation within +-20 degrees; otherwise nothing. Then the sample is
 * resized to the network's input size. Draws: u1; if u1 < 0.5 the rot90/flip draws, else u2 and,
 * if u2 < 0.5, the angle.
 */
import type { SeededRandom } from '@befunet/common';
import type { Augmentation } from '../batches.js';
import type { SegmentationSample } from '../dataset.js';
import { resizeTo, type SampleSize } from '../resize.js';
import { randomRot90Flip } from './rot90-flip.js';
import { randomRotation } from './rotate.js';

/** The geometric part of the official recipe (without the resize). */
export function officialGeometry(maxDegrees = 20): Augmentation {
  const rotate = randomRotation(maxDegrees);
  return (sample: SegmentationSample, rng: SeededRandom) => {
    if (rng.next() < 0.5) return randomRot90Flip(sample, rng);
    if (rng.next() < 0.5) return rotate(sample, rng);
    return sample;
  };
}

/** The official recipe for inputs of `size` (224 for the official models): geometry, then resize. */
export function officialAugmentations(size: SampleSize, maxDegrees = 20): Augmentation[] {
  return [officialGeometry(maxDegrees), resizeTo(size)];
}
