/**
 * `predictVolume`: a NIfTI volume -> a label volume of the same grid. Planes along `axis` (axial by
 * default) are windowed to [0, 1] (`windowIntensity`), predicted in groups of `batchSize` planes
 * through the sliding window (or resizing), decided (argmax or threshold), and written back; the
 * labels are encoded with `encodeNifti` from the input's header, so that the label file keeps its
 * dims, pixdim, units, qform and sform (hence its affine), with an integer datatype.
 */
import { InvalidValueError, ShapeError } from '@befunet/common';
import { encodeNifti, type NiftiDType, type NiftiHeader, type NiftiVolume, readNifti } from '@befunet/io';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { windowIntensity } from '../data/volume-slices.js';
import { decideLabels, resolveThreshold } from './decisions.js';
import { resolveInferenceOptions } from './inference-options.js';
import { describeInput, type PredictOptions } from './predict-image.js';
import { predictProbabilities } from './predict-probabilities.js';
import { predictedClassCount } from './probabilities.js';
import { planeCount, type VolumeAxis, volumePlane, writeVolumePlane } from './volume-planes.js';

export interface VolumeOptions extends Omit<PredictOptions, 'returnProbabilities'> {
  /**
   * Intensity window [lo, hi] mapped to [0, 1] (e.g. [-125, 275] HU, the CT abdomen window of
   * Synapse). Default: the volume's own minimum and maximum.
   */
  window?: readonly [number, number];
  /** The axis the planes are taken across: 2 (axial, default), 1 (coronal), 0 (sagittal). */
  axis?: VolumeAxis;
  /** Called after each group of planes with the planes done and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface VolumePrediction {
  /** nx, ny, nz: the input's grid. */
  readonly shape: readonly [number, number, number];
  /** K: the model's classes, 2 for a single-logit model. */
  readonly classes: number;
  /** Class ids, x fastest (`labels[x + nx * (y + ny * z)]`). */
  readonly labels: Uint8Array | Int16Array;
  /** The stored datatype: uint8, or int16 above 256 classes. */
  readonly dtype: NiftiDType;
  /** The intensity window used. */
  readonly window: readonly [number, number];
  /** The label volume as an uncompressed NIfTI-1 file (`gzip` it for `.nii.gz`). */
  readonly nifti: Uint8Array;
  /** The input's header, whose geometry `nifti` carries. */
  readonly header: NiftiHeader;
}

/** Label volume of a NIfTI volume (a `NiftiVolume`, or the bytes of a `.nii` / `.nii.gz` file). */
export async function predictVolume(
  model: tfl.LayersModel,
  input: NiftiVolume | Uint8Array,
  options: VolumeOptions = {},
): Promise<VolumePrediction> {
  const { batchSize } = resolveInferenceOptions(options);
  resolveThreshold(options);
  const what = describeInput('volume', options.source);
  const volume = input instanceof Uint8Array ? readNifti(input, options.source) : input;
  const shape = gridOf(volume.shape, what);
  const axis = options.axis ?? 2;
  const range = intensityRange(volume, what);
  const window = options.window ?? defaultWindow(range);
  const total = planeCount(shape, axis);
  const first = volumePlane(volume, axis, 0);
  const classes = predictedClassCount(model);
  const dtype: NiftiDType = classes <= 256 ? 'uint8' : 'int16';
  const count = shape[0] * shape[1] * shape[2];
  const target = { shape, data: dtype === 'uint8' ? new Uint8Array(count) : new Int16Array(count) };
  for (let start = 0; start < total; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, total - start) }, (_, k) => start + k);
    const pixels = new Float32Array(indices.length * first.width * first.height);
    indices.forEach((index, k) => {
      const plane = volumePlane(volume, axis, index);
      pixels.set(windowIntensity(plane.data, window[0], window[1]), k * plane.data.length);
    });
    const x = tf.tensor4d(pixels, [indices.length, first.height, first.width, 1]);
    const probabilities = await predictProbabilities(model, x, options).finally(() => x.dispose());
    const labels = decideLabels(probabilities, options);
    probabilities.dispose();
    const values = (await labels.data()) as Int32Array;
    labels.dispose();
    const size = first.width * first.height;
    indices.forEach((index, k) => {
      writeVolumePlane(target, axis, index, values.subarray(k * size, (k + 1) * size));
    });
    options.onProgress?.(start + indices.length, total);
  }
  const nifti = encodeNifti({ shape, data: target.data, dtype }, volume.header);
  return { shape, classes, labels: target.data, dtype, window, nifti, header: volume.header };
}

/** The grid [nx, ny, nz] of a volume of 3 dims (trailing dims of size 1 allowed). */
function gridOf(shape: readonly number[], what: string): [number, number, number] {
  if (shape.length < 3 || shape.slice(3).some((d) => d !== 1)) {
    throw new ShapeError(`${what} must have 3 dims (x, y, z), got shape [${shape}]`);
  }
  return [shape[0]!, shape[1]!, shape[2]!];
}

/** The smallest and largest voxel; an InvalidValueError at the first NaN or infinity, with its voxel. */
function intensityRange(volume: NiftiVolume, what: string): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const [nx, ny] = volume.shape as [number, number];
  for (let i = 0; i < volume.data.length; i++) {
    const v = volume.data[i]!;
    if (!Number.isFinite(v)) {
      const [x, y, z] = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
      throw new InvalidValueError(`${what} has a non-finite value (${v}) at voxel (${x}, ${y}, ${z})`);
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The window of a volume's range; a constant volume gets [v, v + 1] (all planes 0). */
function defaultWindow([lo, hi]: [number, number]): [number, number] {
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}
