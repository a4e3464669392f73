/**
 * Rotation by an arbitrary angle about the image centre, keeping the size (scipy's
 * `ndimage.rotate(x, angle, reshape=False)`, as the official `random_rotate` calls it): positive
 * angles turn counter-clockwise as displayed, like `rot90`, so that a 90 degree turn of a square
 * image equals `rot90(1)`. With the centre (cy, cx) = ((H-1)/2, (W-1)/2) and a = the angle, output
 * pixel (r, c) reads the input at
 *   srcRow = cy + cos(a) (r - cy) + sin(a) (c - cx)
 *   srcCol = cx - sin(a) (r - cy) + cos(a) (c - cx)
 * the image bilinearly, the label by nearest neighbour, and 0 (background) outside the input.
 * The official code rotates the image by nearest neighbour too (order 0); bilinear is smoother.
 */

import type { SeededRandom } from '@befunet/common';
import { ConfigError } from '@befunet/common';
import type { Augmentation } from '../batches.js';
import type { SegmentationSample } from '../dataset.js';
import { resampleSample } from '../resample.js';

/** `sample` turned by `degrees` counter-clockwise about its centre; the corners fill with 0. */
export function rotateSample(sample: SegmentationSample, degrees: number): SegmentationSample {
  if (!Number.isFinite(degrees)) throw new ConfigError(`rotate: the angle must be finite, got ${degrees}`);
  if (degrees === 0) return sample;
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cy = (sample.height - 1) / 2;
  const cx = (sample.width - 1) / 2;
  const map = {
    rr: cos,
    rc: sin,
    r0: cy - cos * cy - sin * cx,
    cr: -sin,
    cc: cos,
    c0: cx + sin * cy - cos * cx,
  };
  return resampleSample(sample, sample.height, sample.width, map, 'zero');
}

/**
 * A rotation by an angle drawn uniformly in [-maxDegrees, maxDegrees] (one draw). The official
 * `random_rotate` draws an integer in -20..19 (`np.random.randint(-20, 20)`); this draws a real.
 */
export function randomRotation(maxDegrees = 20): Augmentation {
  if (!Number.isFinite(maxDegrees) || maxDegrees < 0) {
    throw new ConfigError(`randomRotation: maxDegrees must be a finite number >= 0, got ${maxDegrees}`);
  }
  return (sample: SegmentationSample, rng: SeededRandom) =>
    rotateSample(sample, rng.uniform(-maxDegrees, maxDegrees));
}
