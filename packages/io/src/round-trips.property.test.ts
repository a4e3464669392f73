import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gunzip, gzip } from './deflate.js';
import { encodeNifti } from './nifti/encode.js';
import { readNifti } from './nifti/read.js';
import type { NiftiDType } from './nifti/types.js';
import { decodePng, encodePng } from './png.js';

/**
 * Writer/reader pairs round-trip any image exactly (issue 28): PNG for every channel count and
 * both bit depths at random sizes; NIfTI for every dtype the writer takes, 1 to 4 axes, plain and
 * gzipped (values in the range of each dtype; float values float32-exact, since the reader gives
 * float32 voxels).
 */
const RUNS = { numRuns: 60, seed: 20261207 };

const pngImage = fc
  .record({
    width: fc.integer({ min: 1, max: 40 }),
    height: fc.integer({ min: 1, max: 40 }),
    channels: fc.constantFrom(1, 2, 3, 4),
    bitDepth: fc.constantFrom(8, 16),
  })
  .chain((p) => {
    const n = p.width * p.height * p.channels;
    const max = p.bitDepth === 8 ? 255 : 65535;
    return fc.array(fc.integer({ min: 0, max }), { minLength: n, maxLength: n }).map((v) => ({
      ...p,
      channels: p.channels as 1 | 2 | 3 | 4,
      data: p.bitDepth === 8 ? Uint8Array.from(v) : Uint16Array.from(v),
    }));
  });

/** Each dtype's value range, clipped to integers float32 holds exactly (|v| <= 2^24). */
const RANGE: Record<NiftiDType, [number, number]> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 24), 2 ** 24],
  uint32: [0, 2 ** 24],
  float32: [-1e30, 1e30],
  float64: [-1e30, 1e30],
};

const volume = fc
  .record({
    dtype: fc.constantFrom(...(Object.keys(RANGE) as NiftiDType[])),
    shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
    gzipped: fc.boolean(),
  })
  .chain((v) => {
    const n = v.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = RANGE[v.dtype];
    const value = v.dtype.startsWith('float')
      ? fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true })
      : fc.integer({ min: lo, max: hi });
    return fc.array(value, { minLength: n, maxLength: n }).map((data) => ({ ...v, data }));
  });

describe('round trips of any image', () => {
  it('PNG: encodePng then decodePng gives the samples, size, channels and depth back', () => {
    fc.assert(
      fc.property(pngImage, (image) => {
        const back = decodePng(encodePng(image), 'prop.png');
        expect([back.width, back.height, back.channels, back.bitDepth]).toEqual([
          image.width,
          image.height,
          image.channels,
          image.bitDepth,
        ]);
        expect(Array.from(back.data)).toEqual(Array.from(image.data));
      }),
      RUNS,
    );
  });

  it('NIfTI: encodeNifti then readNifti gives the shape, dtype and every voxel back', () => {
    fc.assert(
      fc.property(volume, ({ dtype, shape, data, gzipped }) => {
        const bytes = encodeNifti({ shape, data, dtype });
        const back = readNifti(gzipped ? gunzip(gzip(bytes), 'prop.nii.gz') : bytes, 'prop.nii');
        expect([...back.shape]).toEqual(shape);
        expect(back.header.dtype).toBe(dtype);
        expect(Array.from(back.data)).toEqual(data.map((v) => Math.fround(v)));
      }),
      RUNS,
    );
  });
});
