import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, summarize } from './stats.js';

describe('CPU benchmark statistics', () => {
  it('takes the median of odd and even counts and the minimum', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, runs: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, runs: 4 });
  });

  it('refuses no samples', () => {
    expect(() => summarize([])).toThrow(RangeError);
  });

  it('measures the largest difference and scale', () => {
    expect(maxAbsDiff([1, -2, 3], [1, 2, 2.5])).toBe(4);
    expect(maxAbs(new Float32Array([0.5, -3, 2]))).toBe(3);
    expect(() => maxAbsDiff([1], [1, 2])).toThrow(RangeError);
  });
});
