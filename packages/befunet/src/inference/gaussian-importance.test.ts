import { ConfigError } from '@befunet/common';
import { closeness, expectError, TOLERANCE } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { gaussianImportanceMap } from './gaussian-importance.js';

describe('gaussianImportanceMap', () => {
  it('is the Gaussian of sigma S/8 about the tile centre, 1 at its peak', () => {
    const s = 32;
    const map = gaussianImportanceMap(s);
    // sigma = 4, centre 15.5: the four central pixels are 0.5 px from it on each axis.
    const peak = Math.exp(-(0.25 + 0.25) / 32);
    const expected = Array.from({ length: s * s }, (_, k) => {
      const [i, j] = [Math.floor(k / s), k % s];
      return Math.exp(-((i - 15.5) ** 2 + (j - 15.5) ** 2) / 32) / peak;
    });
    expect(closeness(map, expected, TOLERANCE.op).mismatches).toBe(0);
    expect(map[15 * s + 15]).toBe(1);
    expect(map[16 * s + 16]).toBe(1);
    expect(Math.min(...map)).toBeGreaterThan(0);
    expect(map[0]).toBeCloseTo(Math.exp(-(2 * 15.5 ** 2) / 32) / peak, 12);
  });

  it('rejects sizes and sigmas that are not positive', () => {
    expectError(() => gaussianImportanceMap(0), ConfigError, /size must be a positive integer/);
    expectError(() => gaussianImportanceMap(32, 0), ConfigError, /sigmaScale must be positive/);
  });
});
