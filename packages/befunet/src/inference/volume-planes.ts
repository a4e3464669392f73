/**
 * Planes of a 3-D volume stored x fastest (`data[x + nx * (y + ny * z)]`, NIfTI order): the plane
 * at `index` along `axis` has the other two axes u < v, stored `plane[i + width * j]` with width =
 * size of u and height = size of v. Axis 2 (axial, the default) gives `sliceAxial`'s planes.
 */
import { ConfigError } from '@befunet/common';
import { type NiftiSlice, sliceAxial } from '../data/volume-slices.js';

export type VolumeAxis = 0 | 1 | 2;

interface PlaneGeometry {
  width: number;
  height: number;
  /** Steps in `data` along the plane's width, its height, and the sliced axis. */
  strides: [number, number, number];
}

function planeGeometry(shape: readonly number[], axis: number, index: number): PlaneGeometry {
  if (axis !== 0 && axis !== 1 && axis !== 2) throw new ConfigError(`axis must be 0, 1 or 2, got ${axis}`);
  const size = shape[axis] ?? 1;
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new ConfigError(`plane ${index} along axis ${axis} is outside 0..${size - 1}`);
  }
  const steps = [1, shape[0]!, shape[0]! * shape[1]!];
  const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  return { width: shape[u]!, height: shape[v]!, strides: [steps[u]!, steps[v]!, steps[axis]!] };
}

/** The number of planes along `axis`. */
export function planeCount(shape: readonly number[], axis: VolumeAxis): number {
  return shape[axis] ?? 1;
}

/** A copy of the plane `index` along `axis` of a volume of rank 3 (or more, at t = 0). */
export function volumePlane(
  volume: { shape: readonly number[]; data: Float32Array },
  axis: VolumeAxis,
  index: number,
): NiftiSlice {
  const { width, height, strides } = planeGeometry(volume.shape, axis, index);
  if (axis === 2) return sliceAxial(volume, index);
  const data = new Float32Array(width * height);
  const base = index * strides[2];
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++)
      data[i + width * j] = volume.data[base + i * strides[0] + j * strides[1]]!;
  }
  return { width, height, data };
}

/** Writes `plane` (`plane[i + width * j]`) into the plane `index` along `axis` of `target` (shape x, y, z). */
export function writeVolumePlane(
  target: { shape: readonly number[]; data: { [k: number]: number } },
  axis: VolumeAxis,
  index: number,
  plane: ArrayLike<number>,
): void {
  const { width, height, strides } = planeGeometry(target.shape, axis, index);
  if (plane.length !== width * height) {
    throw new ConfigError(`plane has ${plane.length} values, ${width}x${height} expected`);
  }
  const base = index * strides[2];
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++)
      target.data[base + i * strides[0] + j * strides[1]] = plane[i + width * j]!;
  }
}
