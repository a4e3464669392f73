/**
 * Slices and intensity windows of volumes (typed arrays with a shape, x fastest), as the NIfTI
 * data set and volume inference use them. The volumes themselves are read by `@befunet/io`.
 */
import { ConfigError } from '@befunet/common';

/** A 2-D slice: `data[x + width * y]`. */
export interface NiftiSlice {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Intensity windowing: (v - lo) / (hi - lo) clipped to [0, 1] (e.g. CT abdomen window -125..275 HU). */
export function windowIntensity(data: ArrayLike<number>, lo: number, hi: number): Float32Array {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new ConfigError(`windowIntensity: need finite lo < hi, got lo=${lo}, hi=${hi}`);
  }
  const out = new Float32Array(data.length);
  const scale = 1 / (hi - lo);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(1, Math.max(0, (data[i]! - lo) * scale));
  return out;
}

/**
 * The axial slice z (the plane of the first two axes) of a volume of rank 3 or more, at index
 * `t` of the remaining axes flattened (default 0): `data[x + nx * y]`, a copy.
 */
export function sliceAxial(
  volume: { shape: readonly number[]; data: Float32Array },
  z: number,
  t = 0,
): NiftiSlice {
  const { shape, data } = volume;
  if (shape.length < 2) throw new ConfigError(`sliceAxial: volume of shape [${shape}] has no plane`);
  const [nx, ny] = shape as [number, number];
  const nz = shape[2] ?? 1;
  const nt = shape.slice(3).reduce((n, d) => n * d, 1);
  if (!Number.isInteger(z) || z < 0 || z >= nz)
    throw new ConfigError(`sliceAxial: z = ${z} is outside 0..${nz - 1}`);
  if (!Number.isInteger(t) || t < 0 || t >= nt)
    throw new ConfigError(`sliceAxial: t = ${t} is outside 0..${nt - 1}`);
  const start = (t * nz + z) * nx * ny;
  return { width: nx, height: ny, data: data.slice(start, start + nx * ny) };
}
