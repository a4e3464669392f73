import { ConfigError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { sliceAxial, windowIntensity } from './volume-slices.js';

const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]; // a 3x2x2 volume, value = linear index

describe('windowIntensity and sliceAxial', () => {
  it('maps [lo, hi] to [0, 1] and clips outside', () => {
    const out = windowIntensity([-1000, -125, 75, 275, 3000], -125, 275);
    expect(Array.from(out)).toEqual([0, 0, 0.5, 1, 1]);
    expect(() => windowIntensity([1], 5, 5)).toThrow(ConfigError);
    expect(() => windowIntensity([1], 0, Number.NaN)).toThrow(ConfigError);
  });

  it('extracts the z-th xy plane (x fastest) and, for 4-D, the t-th volume', () => {
    const volume = { shape: [3, 2, 2], data: Float32Array.from(values) };
    expect(sliceAxial(volume, 1)).toEqual({
      width: 3,
      height: 2,
      data: Float32Array.from([6, 7, 8, 9, 10, 11]),
    });
    const four = { shape: [2, 1, 2, 2], data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]) };
    expect(Array.from(sliceAxial(four, 1, 1).data)).toEqual([6, 7]);
    expect(() => sliceAxial(volume, 2)).toThrow(ConfigError);
    expect(() => sliceAxial(volume, 0, 1)).toThrow(ConfigError);
  });
});
