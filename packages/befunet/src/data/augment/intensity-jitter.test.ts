import { ConfigError } from '@befunet/common';
import { expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { changeIntensity, intensityJitter } from './intensity-jitter.js';
import { ScriptedRandom, sampleOf } from './scripted-random.test-util.js';

const source = sampleOf([0.2, 0.4, 0.6, 0.8], [0, 1, 2, 1], 2, 2);

describe('changeIntensity', () => {
  it('computes clip(c (x - m) + m + b, 0, 1) ^ g (hand-computed values)', () => {
    // m = 0.5, b = 0.1, c = 1.2, g = 2: 1.2 (x - 0.5) + 0.6 = 0.24, 0.48, 0.72, 0.96, squared.
    const changed = changeIntensity(source, { brightness: 0.1, contrast: 1.2, gamma: 2 });
    const expected = [0.0576, 0.2304, 0.5184, 0.9216];
    changed.image.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 6);
    });
  });
  it('clips to 0..1', () => {
    const changed = changeIntensity(source, { brightness: 0.5, contrast: 2, gamma: 1 });
    // 2 (x - 0.5) + 1 = 0.4, 0.8, 1.2, 1.6 -> 0.4, 0.8, 1, 1
    expect([...changed.image].map((v) => Number(v.toFixed(6)))).toEqual([0.4, 0.8, 1, 1]);
  });
});

describe('intensityJitter', () => {
  it('draws b, c and g from their ranges and leaves the labels alone', () => {
    // u = 0.75 -> b = -0.2 + 0.4 * 0.75 = 0.1; u = 0.25 -> c = 0.5 + 1 * 0.25 = 0.75;
    // u = 1 -> g = exp(log 2) = 2 (log-uniform in [0.5, 2]).
    const jitter = intensityJitter({ brightness: 0.2, contrast: 0.5, gamma: [0.5, 2] });
    const rng = new ScriptedRandom([0.75, 0.25, 1]);
    const changed = jitter(source, rng);
    expect(rng.left).toBe(0);
    // 0.75 (x - 0.5) + 0.6 = 0.375, 0.525, 0.675, 0.825, squared.
    const expected = [0.140625, 0.275625, 0.455625, 0.680625];
    changed.image.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 6);
    });
    expect([...changed.label]).toEqual([0, 1, 2, 1]);
    expect([...source.image].map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.4, 0.6, 0.8]);
  });
  it('with every range off, changes nothing (the geometric mean of [0.8, 1.25] is 1)', () => {
    const off = intensityJitter({ brightness: 0, contrast: 0, gamma: [1, 1] });
    expect([...off(source, new ScriptedRandom([0.3, 0.9, 0.1])).image]).toEqual([...source.image]);
    const middle = intensityJitter({ brightness: 0.3, contrast: 0.3 })(
      source,
      new ScriptedRandom([0.5, 0.5, 0.5]),
    );
    middle.image.forEach((v, i) => {
      expect(v).toBeCloseTo(source.image[i]!, 6);
    });
  });
  it('rejects bad ranges, naming them', () => {
    expectError(
      () => intensityJitter({ brightness: -0.1 }),
      ConfigError,
      /brightness must be a finite number >= 0, got -0.1/,
    );
    expectError(() => intensityJitter({ contrast: 1 }), ConfigError, /contrast must be in \[0, 1\), got 1/);
    expectError(
      () => intensityJitter({ gamma: [1.2, 0.9] }),
      ConfigError,
      /gamma must be a range 0 < lo <= hi, got \[1.2, 0.9\]/,
    );
  });
});
