/**
 * Synthetic "organ" images: the embedded default data set, needing no download.
 *
 * Each image holds `numClasses - 1` blobs on a textured background. A blob is a star-shaped region
 * whose radius varies with the angle as r(theta) = r0 (1 + sum_k a_k sin(k theta + phi_k)), k = 2..5,
 * which gives irregular, organ-like boundaries; blobs are drawn in class order, so later classes
 * occlude earlier ones. Intensities differ per class, with smooth shading, texture and Gaussian noise,
 * so that boundaries are visible but not trivial.
 */
import { ConfigError, SeededRandom } from '@befunet/common';

export interface SyntheticOptions {
  /** Image height and width in pixels. Defaults to 224. */
  size?: number;
  /** Classes including the background (label 0). Defaults to 4. */
  numClasses?: number;
  /** Standard deviation of the additive noise, in intensity units (0..1). Defaults to 0.05. */
  noise?: number;
}

const OPTION_NAMES = ['size', 'numClasses', 'noise'];

/** Fills the defaults of `options` and checks them (unknown names included); throws a ConfigError. */
export function resolveSyntheticOptions(options: SyntheticOptions): Required<SyntheticOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(
      `synthetic options must be an object ({ size, numClasses, noise }), got ${options}`,
    );
  }
  const unknown = Object.keys(options).filter((k) => !OPTION_NAMES.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `unknown synthetic option(s) ${unknown.join(', ')}; known: ${OPTION_NAMES.join(', ')}`,
    );
  }
  const { size = 224, numClasses = 4, noise = 0.05 } = options;
  if (!Number.isInteger(size) || size < 8) throw new ConfigError(`size must be an integer >= 8, got ${size}`);
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > 32) {
    throw new ConfigError(`numClasses must be an integer in 2..32, got ${numClasses}`);
  }
  if (!(noise >= 0 && Number.isFinite(noise)))
    throw new ConfigError(`noise must be a number >= 0, got ${noise}`);
  return { size, numClasses, noise };
}

export interface SyntheticSample {
  /** Grey image, row-major [size, size], values about 0..1. */
  image: Float32Array;
  /** Labels, row-major [size, size], values 0..numClasses-1. */
  label: Int32Array;
  size: number;
}

/** Draws sample number `index` of the synthetic set with `seed`: the same arguments, the same sample. */
export function syntheticSample(
  seed: number,
  index: number,
  options: SyntheticOptions = {},
): SyntheticSample {
  const { size, numClasses, noise } = resolveSyntheticOptions(options);
  const rng = new SeededRandom((seed * 1_000_003 + index * 7919 + 17) >>> 0);
  const image = new Float32Array(size * size);
  const label = new Int32Array(size * size);

  // Background: a smooth gradient plus low-frequency texture.
  const gx = rng.uniform(-0.1, 0.1);
  const gy = rng.uniform(-0.1, 0.1);
  const fx = rng.uniform(3, 9);
  const fy = rng.uniform(3, 9);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      image[y * size + x] =
        0.2 + gx * u + gy * v + 0.03 * Math.sin(fx * u * Math.PI) * Math.cos(fy * v * Math.PI);
    }
  }

  for (let cls = 1; cls < numClasses; cls++) {
    const cx = rng.uniform(0.25, 0.75) * size;
    const cy = rng.uniform(0.25, 0.75) * size;
    const r0 = rng.uniform(0.08, 0.2) * size;
    const harmonics = [2, 3, 4, 5].map((k) => ({
      k,
      a: rng.uniform(0, 0.25 / (k - 1)),
      phi: rng.uniform(0, 2 * Math.PI),
    }));
    const intensity = 0.3 + (0.6 * cls) / (numClasses - 1) + rng.uniform(-0.05, 0.05);
    const shade = rng.uniform(-0.15, 0.15);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const theta = Math.atan2(dy, dx);
        let r = r0;
        for (const h of harmonics) r += r0 * h.a * Math.sin(h.k * theta + h.phi);
        const d = Math.hypot(dx, dy);
        if (d <= r) {
          const i = y * size + x;
          label[i] = cls;
          image[i] = intensity + shade * (d / r);
        }
      }
    }
  }
  for (let i = 0; i < image.length; i++) image[i] = image[i]! + noise * rng.normal();
  return { image, label, size };
}
