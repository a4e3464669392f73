import { ConfigError } from '@befunet/common';
import { expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { learningRateAt } from './schedule.js';

// Expected values: Python, `0.01 * (1 - s / 100) ** 0.9`.
describe('learning-rate schedules', () => {
  it('poly: base * (1 - step / total)^0.9, the base rate at step 0', () => {
    const poly = { kind: 'poly' } as const;
    expect(learningRateAt(poly, 0.01, 0, 100)).toBe(0.01);
    expect(learningRateAt(poly, 0.01, 25, 100)).toBeCloseTo(0.007718895067235705, 15);
    expect(learningRateAt(poly, 0.01, 50, 100)).toBeCloseTo(0.005358867312681466, 15);
    expect(learningRateAt(poly, 0.01, 99, 100)).toBeCloseTo(0.00015848931924611145, 15);
    expect(learningRateAt({ kind: 'poly', power: 1 }, 0.01, 50, 100)).toBeCloseTo(0.005, 15);
  });

  it('linear warm-up, then the decay over the remaining steps', () => {
    const s = { kind: 'poly', warmupSteps: 10 } as const;
    expect(learningRateAt(s, 0.01, 0, 110)).toBeCloseTo(0.001, 15);
    expect(learningRateAt(s, 0.01, 4, 110)).toBeCloseTo(0.005, 15);
    expect(learningRateAt(s, 0.01, 9, 110)).toBeCloseTo(0.01, 15);
    expect(learningRateAt(s, 0.01, 10, 110)).toBe(0.01);
    expect(learningRateAt(s, 0.01, 60, 110)).toBeCloseTo(0.005358867312681466, 15);
    expect(learningRateAt({ kind: 'constant', warmupSteps: 4 }, 0.2, 1, 10)).toBeCloseTo(0.1, 15);
  });

  it('constant', () => {
    for (const step of [0, 7, 19]) expect(learningRateAt({ kind: 'constant' }, 3e-4, step, 20)).toBe(3e-4);
  });

  it('bad schedules and steps are ConfigErrors that name them', () => {
    expectError(() => learningRateAt({ kind: 'poly', power: -1 }, 0.01, 0, 10), ConfigError, /power/);
    expectError(
      () => learningRateAt({ kind: 'poly', warmupSteps: 10 }, 0.01, 0, 10),
      ConfigError,
      /warmupSteps/,
    );
    expectError(
      () => learningRateAt({ kind: 'cosine' } as never, 0.01, 0, 10),
      ConfigError,
      /'poly' or 'constant'/,
    );
    expectError(() => learningRateAt({ kind: 'poly' }, 0.01, 10, 10), ConfigError, /step must be/);
  });
});
