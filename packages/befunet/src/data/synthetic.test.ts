import { ConfigError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { syntheticSample } from './synthetic.js';

describe('syntheticSample', () => {
  it('is a pure function of (seed, index)', () => {
    const a = syntheticSample(3, 5, { size: 48 });
    const b = syntheticSample(3, 5, { size: 48 });
    const c = syntheticSample(3, 6, { size: 48 });
    expect(a.image).toEqual(b.image);
    expect(a.label).toEqual(b.label);
    expect(a.label).not.toEqual(c.label);
  });

  it('labels every pixel with a class in range, shows several organs, and separates them by intensity', () => {
    const numClasses = 5;
    const { image, label } = syntheticSample(1, 0, { size: 96, numClasses, noise: 0 });
    const sums = new Array(numClasses).fill(0);
    const counts = new Array(numClasses).fill(0);
    label.forEach((l, i) => {
      expect(l).toBeGreaterThanOrEqual(0);
      expect(l).toBeLessThan(numClasses);
      sums[l] += image[i]!;
      counts[l]++;
    });
    const present = counts.map((n, c) => (n > 0 ? c : -1)).filter((c) => c > 0);
    expect(present.length).toBeGreaterThanOrEqual(2);
    // Without noise, every organ is brighter on average than the background.
    const mean = (c: number) => sums[c] / counts[c];
    for (const c of present) expect(mean(c)).toBeGreaterThan(mean(0) + 0.05);
  });

  it('rejects sizes and class counts it cannot draw', () => {
    expect(() => syntheticSample(0, 0, { size: 4 })).toThrow(ConfigError);
    expect(() => syntheticSample(0, 0, { numClasses: 1 })).toThrow(
      'numClasses must be an integer in 2..32, got 1',
    );
  });
});
