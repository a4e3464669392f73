/**
 * The Gaussian importance map of a sliding window (nnU-Net, Isensee et al. 2021): tile pixels near
 * the centre, which see the most context, weigh more than those near the border when overlapping
 * tiles are blended. w(i, j) = exp(-((i - c)^2 + (j - c)^2) / (2 sigma^2)) with c = (S - 1) / 2 the
 * tile's centre and sigma = S / 8, normalised to a maximum of 1. Values that round to 0 in float32
 * are raised to the smallest positive one (nnU-Net's floor), so every pixel of a tile has a weight.
 */
import { ConfigError } from '@befunet/common';

/** nnU-Net's sigma, as a fraction of the tile side. */
export const GAUSSIAN_SIGMA_SCALE = 1 / 8;

/** The S x S importance map, row-major. */
export function gaussianImportanceMap(size: number, sigmaScale = GAUSSIAN_SIGMA_SCALE): Float32Array {
  if (!Number.isInteger(size) || size < 1) {
    throw new ConfigError(`gaussianImportanceMap: size must be a positive integer, got ${size}`);
  }
  if (!Number.isFinite(sigmaScale) || sigmaScale <= 0) {
    throw new ConfigError(`gaussianImportanceMap: sigmaScale must be positive, got ${sigmaScale}`);
  }
  const sigma = size * sigmaScale;
  const c = (size - 1) / 2;
  // Along one axis; the 2-D map is the outer product. The largest value is at the centre pixel(s).
  const axis = Array.from({ length: size }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * sigma * sigma)));
  const peak = Math.max(...axis) ** 2;
  const map = new Float32Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) map[i * size + j] = (axis[i]! * axis[j]!) / peak;
  let floor = Number.POSITIVE_INFINITY;
  for (const w of map) if (w > 0 && w < floor) floor = w;
  for (let k = 0; k < map.length; k++) if (map[k] === 0) map[k] = floor;
  return map;
}
