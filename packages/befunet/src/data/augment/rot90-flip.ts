/**
 * Quarter-turn rotations and flips (exact: they only move pixels), with numpy's conventions, which
 * the official BEFUnet / TransUNet `random_rot_flip` uses:
 *   rot90(k): `np.rot90(x, k)`, k quarter turns counter-clockwise as displayed (row 0 at the top),
 *     from the first axis towards the second: for k = 1, out[r, c] = in[c, W-1-r] and the output
 *     is W x H; [[1, 2], [3, 4]] becomes [[2, 4], [1, 3]].
 *   flip(axis): `np.flip(x, axis)`, axis 0 reverses the rows (upside down), axis 1 the columns
 *     (left-right).
 */

import type { SeededRandom } from '@befunet/common';
import { ConfigError } from '@befunet/common';
import type { SegmentationSample } from '../dataset.js';
import { resampleSample } from '../resample.js';

/** `sample` turned by k quarter turns counter-clockwise (any integer k; k mod 4 counts). */
export function rot90Sample(sample: SegmentationSample, k: number): SegmentationSample {
  if (!Number.isInteger(k)) throw new ConfigError(`rot90: k must be an integer, got ${k}`);
  const { height: h, width: w } = sample;
  switch (((k % 4) + 4) % 4) {
    case 1: // out[r, c] = in[c, w-1-r]
      return resampleSample(sample, w, h, { rr: 0, rc: 1, r0: 0, cr: -1, cc: 0, c0: w - 1 }, 'zero');
    case 2: // out[r, c] = in[h-1-r, w-1-c]
      return resampleSample(sample, h, w, { rr: -1, rc: 0, r0: h - 1, cr: 0, cc: -1, c0: w - 1 }, 'zero');
    case 3: // out[r, c] = in[h-1-c, r]
      return resampleSample(sample, w, h, { rr: 0, rc: -1, r0: h - 1, cr: 1, cc: 0, c0: 0 }, 'zero');
    default:
      return sample;
  }
}

/** `sample` mirrored: axis 0 reverses the rows, axis 1 the columns. */
export function flipSample(sample: SegmentationSample, axis: 0 | 1): SegmentationSample {
  const { height: h, width: w } = sample;
  if (axis === 0)
    return resampleSample(sample, h, w, { rr: -1, rc: 0, r0: h - 1, cr: 0, cc: 1, c0: 0 }, 'zero');
  if (axis === 1)
    return resampleSample(sample, h, w, { rr: 1, rc: 0, r0: 0, cr: 0, cc: -1, c0: w - 1 }, 'zero');
  throw new ConfigError(`flip: axis must be 0 (rows) or 1 (columns), got ${axis}`);
}

/**
 * The official `random_rot_flip`: k uniform in 0..3, then an axis uniform in {0, 1};
 * `rot90(k)` then `flip(axis)` (draws: k, then the axis). An `Augmentation`.
 */
export function randomRot90Flip(sample: SegmentationSample, rng: SeededRandom): SegmentationSample {
  const k = Math.floor(rng.next() * 4);
  const axis = rng.next() < 0.5 ? 0 : 1;
  return flipSample(rot90Sample(sample, k), axis);
}
