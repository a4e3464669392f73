import { ConfigError, InvalidValueError } from '@befunet/common';
import { expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { splitDataset, subsetDataset } from './split.js';
import { SyntheticDataset } from './synthetic-dataset.js';

const data = new SyntheticDataset(20, 5, { size: 8, numClasses: 3 });

describe('splitDataset', () => {
  it('gives disjoint train and validation views that cover every sample, round(n f) for validation', () => {
    for (const [fraction, count] of [
      [0.2, 4],
      [0.25, 5],
      [0.01, 1],
      [0.9, 18],
    ] as const) {
      const { train, validation } = splitDataset(data, { validationFraction: fraction, seed: 1 });
      expect(validation.length).toBe(count);
      expect(train.length).toBe(20 - count);
      const all = [...train.indices, ...validation.indices].sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
      // Each view keeps the source order.
      expect([...train.indices]).toEqual([...train.indices].sort((a, b) => a - b));
      expect([...validation.indices]).toEqual([...validation.indices].sort((a, b) => a - b));
    }
  });

  it('is the same for the same seed and differs between seeds', () => {
    const a = splitDataset(data, { validationFraction: 0.3, seed: 7 });
    const b = splitDataset(data, { validationFraction: 0.3, seed: 7 });
    expect(b.validation.indices).toEqual(a.validation.indices);
    const others = [8, 9, 10].map(
      (seed) => splitDataset(data, { validationFraction: 0.3, seed }).validation.indices,
    );
    expect(others.some((o) => o.join() !== a.validation.indices.join())).toBe(true);
  });

  it('reads the samples of the source, keeping its properties', async () => {
    const { validation } = splitDataset(data, { validationFraction: 0.2, seed: 3 });
    expect([validation.numClasses, validation.channels]).toEqual([3, 1]);
    expect(validation.name).toBe('synthetic(seed 5)[validation]');
    const sample = await validation.get(1);
    const direct = await data.get(validation.indices[1]!);
    expect(sample.id).toBe(direct.id);
    expect([...sample.label]).toEqual([...direct.label]);
    await expect(validation.get(4)).rejects.toThrow(/index 4 is outside 0..3/);
  });

  it('rejects fractions outside (0, 1) and splits that leave nothing to train on', () => {
    for (const f of [0, 1, -0.1, Number.NaN]) {
      expectError(
        () => splitDataset(data, { validationFraction: f, seed: 1 }),
        ConfigError,
        /validationFraction must be in \(0, 1\)/,
      );
    }
    const tiny = new SyntheticDataset(1, 1);
    expectError(
      () => splitDataset(tiny, { validationFraction: 0.5, seed: 1 }),
      ConfigError,
      /has 1 samples; a validation share of 0.5 leaves none to train on/,
    );
  });
});

describe('subsetDataset', () => {
  it('maps its indices to the source in the given order', async () => {
    const subset = subsetDataset(data, [9, 2, 14]);
    expect(subset.length).toBe(3);
    expect((await subset.get(0)).id).toBe('synthetic#9');
    expect((await subset.get(2)).id).toBe('synthetic#14');
  });
  it('rejects indices out of range, not integers, or repeated', () => {
    expectError(() => subsetDataset(data, [0, 20]), InvalidValueError, /index 20 is outside 0..19/);
    expectError(() => subsetDataset(data, [1.5]), InvalidValueError, /index 1.5 is outside 0..19/);
    expectError(() => subsetDataset(data, [3, 4, 3]), InvalidValueError, /index 3 is listed twice/);
  });
});
