import { ConfigError, FileFormatError, InvalidValueError, ShapeError } from '@befunet/common';
import { encodeNifti, type NiftiHeader, readNifti } from '@befunet/io';
import { afterAll, describe, expect, it } from 'vitest';
import { pointwiseModel, randomValues, tinyModel } from './__fixtures__/reference-models.js';
import { predictImage } from './predict-image.js';
import { predictVolume } from './predict-volume.js';

const [NX, NY, NZ] = [40, 36, 3];
/** A geometry with every field set (qfac -1, a rotation, offsets, an sform unlike the qform). */
const GEOMETRY = {
  dim: [3, NX, NY, NZ, 1, 1, 1, 1],
  pixdim: [-1, 0.75, 0.5, 2.5, 1, 1, 1, 1],
  xyztUnits: 10,
  descrip: 'inference test volume',
  qformCode: 1,
  sformCode: 2,
  quatern: [0.5, -0.25, 0.125],
  qoffset: [-90.5, 12.25, 30],
  srow: [
    [0.75, 0, 0, -10.5],
    [0, 0.5, 0, 5.25],
    [0, 0, 2.5, -7],
  ],
} as unknown as NiftiHeader;

/** Voxels in -300..400 HU (both ends present), never on a class boundary of the windows below. */
const raw = Array.from(randomValues(NX * NY * NZ, 43), (u) => Math.round(-300 + 700 * u)).map((v) =>
  [-10, 110, -90, 190].includes(v) ? v + 1 : v,
);
raw[0] = -300;
raw[1] = 400;
const bytes = encodeNifti({ shape: [NX, NY, NZ], data: raw, dtype: 'int16' }, GEOMETRY);

/** Grey v -> logits [0, 10 v - 3, 20 v - 10]: class 0 below v = 0.3, 1 up to 0.7, 2 above. */
const intervals = pointwiseModel(
  32,
  [
    [0, 10, 20],
    [0, 0, 0],
    [0, 0, 0],
  ],
  [0, -3, -10],
);
const tiny = tinyModel(4);
afterAll(() => {
  intervals.dispose();
  tiny.dispose();
});

/** The interval model's label of a voxel under the window [lo, hi], by hand. */
function expectedLabel(v: number, [lo, hi]: readonly [number, number]): number {
  const x = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  return x < 0.3 ? 0 : x < 0.7 ? 1 : 2;
}

describe('predictVolume', () => {
  it('writes a label volume that reads back with the input geometry and the predicted labels', async () => {
    const window = [-100, 200] as const;
    const result = await predictVolume(intervals, bytes, { window, source: 'ct.nii' });
    expect(result.shape).toEqual([NX, NY, NZ]);
    expect(result.dtype).toBe('uint8');
    expect(Array.from(result.labels)).toEqual(raw.map((v) => expectedLabel(v, window)));
    const input = readNifti(bytes);
    const back = readNifti(result.nifti, 'labels.nii');
    const h = back.header;
    expect(h.dim.slice(0, 4)).toEqual([3, NX, NY, NZ]);
    expect(h.datatype).toBe(2); // NIFTI_TYPE_UINT8
    expect(h.pixdim.slice(0, 4)).toEqual([-1, 0.75, 0.5, 2.5]);
    expect([h.xyztUnits, h.qformCode, h.sformCode, h.descrip]).toEqual([10, 1, 2, 'inference test volume']);
    expect(h.quatern).toEqual([0.5, -0.25, 0.125]);
    expect(h.qoffset).toEqual([-90.5, 12.25, 30]);
    expect(h.srow).toEqual(GEOMETRY.srow);
    expect(h.affine).toEqual([...GEOMETRY.srow, [0, 0, 0, 1]]);
    expect(h.qformMatrix).toEqual(input.header.qformMatrix);
    expect([h.sclSlope, h.sclInter]).toEqual([1, 0]);
    expect(Array.from(back.data)).toEqual(Array.from(result.labels));
  });

  it('slices along any axis and windows to the volume range by default', async () => {
    const range = [-300, 400] as const;
    const expected = raw.map((v) => expectedLabel(v, range));
    for (const axis of [0, 1, 2] as const) {
      const result = await predictVolume(intervals, readNifti(bytes), { axis, batchSize: 16 });
      expect(result.window).toEqual(range);
      expect(Array.from(result.labels), `axis ${axis}`).toEqual(expected);
    }
  });

  it('predicts each plane as predictImage does, in groups of planes, reporting progress', async () => {
    const window = [-100, 200] as const;
    const progress: [number, number][] = [];
    const result = await predictVolume(tiny, bytes, {
      window,
      batchSize: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [2, 3],
      [3, 3],
    ]);
    // A random-weight model that still labels the planes with more than one class.
    expect(new Set(result.labels).size).toBeGreaterThan(1);
    for (let z = 0; z < NZ; z++) {
      // The plane z, x fastest, windowed by hand.
      const plane = Float32Array.from({ length: NX * NY }, (_, i) =>
        Math.min(1, Math.max(0, (raw[z * NX * NY + i]! - window[0]) / (window[1] - window[0]))),
      );
      const image = await predictImage(tiny, { data: plane, height: NY, width: NX, channels: 1 });
      expect(Array.from(result.labels.subarray(z * NX * NY, (z + 1) * NX * NY)), `plane ${z}`).toEqual(
        Array.from(image.labels),
      );
    }
  });

  it('takes 4-D files with a single volume, and names every problem', async () => {
    const small = encodeNifti({ shape: [8, 6, 2, 1], data: new Array(96).fill(5), dtype: 'int16' });
    const result = await predictVolume(intervals, small);
    expect(result.shape).toEqual([8, 6, 2]);
    // A constant volume: window [v, v + 1], every voxel at 0 -> class 0.
    expect(result.window).toEqual([5, 6]);
    expect(result.labels.every((k) => k === 0)).toBe(true);

    const twoVolumes = encodeNifti({ shape: [8, 6, 2, 2], data: new Array(192).fill(0) });
    await expect(predictVolume(intervals, twoVolumes, { source: 'fmri.nii' })).rejects.toThrow(
      /volume 'fmri\.nii' must have 3 dims \(x, y, z\), got shape \[8,6,2,2\]/,
    );
    const flat = encodeNifti({ shape: [8, 6], data: new Array(48).fill(0) });
    await expect(predictVolume(intervals, flat)).rejects.toThrow(ShapeError);
    const nan = readNifti(encodeNifti({ shape: [4, 3, 2], data: new Array(24).fill(0), dtype: 'float32' }));
    nan.data[1 + 4 * 2 + 12] = Number.NaN;
    await expect(predictVolume(intervals, nan, { source: 'ct.nii' })).rejects.toThrow(InvalidValueError);
    await expect(predictVolume(intervals, nan, { source: 'ct.nii' })).rejects.toThrow(
      /volume 'ct\.nii' has a non-finite value \(NaN\) at voxel \(1, 2, 1\)/,
    );
    await expect(predictVolume(intervals, bytes, { axis: 3 as 2 })).rejects.toThrow(
      /axis must be 0, 1 or 2, got 3/,
    );
    await expect(predictVolume(intervals, bytes, { window: [5, 5] })).rejects.toThrow(ConfigError);
    await expect(predictVolume(intervals, bytes, { threshold: -1 })).rejects.toThrow(ConfigError);
    await expect(predictVolume(intervals, bytes.subarray(0, 200), { source: 'cut.nii' })).rejects.toThrow(
      FileFormatError,
    );
  });
});
