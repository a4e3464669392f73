import { ShapeError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { LabelValueError } from '../errors.js';
import {
  accuracyFromCounts,
  confusionCounts,
  diceFromCounts,
  iouFromCounts,
  sensitivityFromCounts,
  specificityFromCounts,
} from './confusion.js';

describe('confusion counts and ratios', () => {
  it('hand case', () => {
    const pred = [1, 1, 1, 0, 0, 0, 0, 1, 0, 0];
    const truth = [1, 1, 0, 1, 0, 0, 0, 1, 1, 0];
    const c = confusionCounts(pred, truth);
    expect(c).toEqual({ tp: 3, fp: 1, fn: 2, tn: 4 });
    expect(diceFromCounts(c)).toBeCloseTo(6 / 9, 12);
    expect(iouFromCounts(c)).toBeCloseTo(3 / 6, 12);
    expect(sensitivityFromCounts(c)).toBeCloseTo(3 / 5, 12);
    expect(specificityFromCounts(c)).toBeCloseTo(4 / 5, 12);
    expect(accuracyFromCounts(c)).toBeCloseTo(7 / 10, 12);
  });

  it('undefined ratios are NaN', () => {
    const c = confusionCounts([0, 0], [0, 0]);
    expect(diceFromCounts(c)).toBeNaN();
    expect(sensitivityFromCounts(c)).toBeNaN();
    expect(specificityFromCounts(c)).toBe(1);
    expect(specificityFromCounts(confusionCounts([1, 1], [1, 1]))).toBeNaN();
  });

  it('rejects non-binary masks and size mismatches with typed errors', () => {
    expect(() => confusionCounts([0, 0.5], [0, 1])).toThrow(LabelValueError);
    expect(() => confusionCounts([0, 1], [0, 3])).toThrow(/truth: must be binary/);
    expect(() => confusionCounts([0, 1], [0, 1, 1])).toThrow(ShapeError);
  });
});
