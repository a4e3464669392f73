/**
 * Random intensity changes of the image (labels untouched), for images with intensities in 0..1:
 * with the image mean m (over every pixel and channel), a brightness shift b, a contrast factor c
 * and a gamma g, each pixel x becomes
 *   y = clip(c (x - m) + m + b, 0, 1) ^ g
 * b is drawn uniformly in [-brightness, brightness], c uniformly in [1 - contrast, 1 + contrast],
 * g log-uniformly in [gamma[0], gamma[1]] (so that 0.8 and 1.25 are equally likely); always three
 * draws, in that order, so that a range of 0 keeps the other draws unchanged.
 */

import type { SeededRandom } from '@befunet/common';
import { ConfigError } from '@befunet/common';
import type { Augmentation } from '../batches.js';
import type { SegmentationSample } from '../dataset.js';

export interface IntensityJitterOptions {
  /** Largest brightness shift, >= 0. Default 0.1 (0 turns it off). */
  brightness?: number;
  /** Largest relative contrast change, in [0, 1). Default 0.1 (0 turns it off). */
  contrast?: number;
  /** Range of the gamma exponent, 0 < lo <= hi. Default [0.8, 1.25] ([1, 1] turns it off). */
  gamma?: readonly [number, number];
}

/** The parameters of one jitter (see the file comment). */
export interface IntensityChange {
  brightness: number;
  contrast: number;
  gamma: number;
}

/** `sample` with its image changed by `change`: y = clip(c (x - m) + m + b, 0, 1) ^ g. */
export function changeIntensity(sample: SegmentationSample, change: IntensityChange): SegmentationSample {
  const { image } = sample;
  let mean = 0;
  for (let i = 0; i < image.length; i++) mean += image[i]!;
  mean /= Math.max(1, image.length);
  const { brightness: b, contrast: c, gamma: g } = change;
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) {
    out[i] = Math.min(1, Math.max(0, c * (image[i]! - mean) + mean + b)) ** g;
  }
  return { ...sample, image: out };
}

/** An augmentation drawing a brightness, a contrast and a gamma per sample (see the file comment). */
export function intensityJitter(options: IntensityJitterOptions = {}): Augmentation {
  const brightness = options.brightness ?? 0.1;
  const contrast = options.contrast ?? 0.1;
  const [lo, hi] = options.gamma ?? [0.8, 1.25];
  if (!Number.isFinite(brightness) || brightness < 0) {
    throw new ConfigError(`intensityJitter: brightness must be a finite number >= 0, got ${brightness}`);
  }
  if (!(contrast >= 0 && contrast < 1)) {
    throw new ConfigError(`intensityJitter: contrast must be in [0, 1), got ${contrast}`);
  }
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) {
    throw new ConfigError(`intensityJitter: gamma must be a range 0 < lo <= hi, got [${lo}, ${hi}]`);
  }
  return (sample: SegmentationSample, rng: SeededRandom) =>
    changeIntensity(sample, {
      brightness: rng.uniform(-brightness, brightness),
      contrast: rng.uniform(1 - contrast, 1 + contrast),
      gamma: Math.exp(rng.uniform(Math.log(lo), Math.log(hi))),
    });
}
