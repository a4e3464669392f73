import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectError } from '../../testing/src/index.ts';
import {
  assertDivisible,
  assertIntegerPair,
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertRank,
  assertRate,
  assertShape,
  formatShape,
} from './checks.js';
import { ConfigError, DTypeError, ShapeError } from './errors.js';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('assertPositiveInteger', () => {
  it.each([1, 2, 7, 1024, Number.MAX_SAFE_INTEGER])('returns %d unchanged', (value) => {
    expect(assertPositiveInteger(value, 'depth')).toBe(value);
  });

  it.each([
    0,
    -0,
    -1,
    -7,
    0.5,
    1.5,
    2.000001,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ])('rejects %d with a ConfigError naming the argument and the value', (value) => {
    expectError(
      () => assertPositiveInteger(value, 'Block: depth'),
      ConfigError,
      new RegExp(`^Block: depth must be a positive integer, got ${escapeRegExp(String(value))}$`),
    );
  });

  it('throws the error class it is given', () => {
    expectError(
      () => assertPositiveInteger(0, 'windows', ShapeError),
      ShapeError,
      /windows must be a positive/,
    );
    expect(() => assertPositiveInteger(3, 'windows', ShapeError)).not.toThrow();
  });
});

describe('assertNonNegativeInteger', () => {
  it.each([0, -0, 1, 5, 4096])('returns %d unchanged', (value) => {
    expect(assertNonNegativeInteger(value, 'shift')).toBe(value);
  });

  it.each([-1, -3, 0.25, 3.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects %d with a ConfigError naming the argument and the value',
    (value) => {
      expectError(
        () => assertNonNegativeInteger(value, 'Swin: shiftSize'),
        ConfigError,
        new RegExp(`^Swin: shiftSize must be a non-negative integer, got ${escapeRegExp(String(value))}$`),
      );
    },
  );

  it('throws the error class it is given', () => {
    expectError(
      () => assertNonNegativeInteger(-1, 'pad', DTypeError),
      DTypeError,
      /pad must be a non-negative/,
    );
  });
});

describe('assertRate', () => {
  it.each([0, -0, 1e-9, 0.1, 0.5, 0.999999])('returns %d unchanged', (value) => {
    expect(assertRate(value, 'drop')).toBe(value);
  });

  it.each([1, 1.5, -0.1, -1e-9, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects %d with a ConfigError naming the argument and [0, 1)',
    (value) => {
      expectError(
        () => assertRate(value, 'Mlp: drop'),
        ConfigError,
        new RegExp(`^Mlp: drop must be in \\[0, 1\\), got ${escapeRegExp(String(value))}$`),
      );
    },
  );
});

describe('assertIntegerPair', () => {
  it('returns a pair of integers >= 1 as [height, width], and allows 0 with min 0', () => {
    expect(assertIntegerPair([3, 5], 'grid')).toEqual([3, 5]);
    expect(assertIntegerPair([1, 1], 'grid')).toEqual([1, 1]);
    expect(assertIntegerPair([0, 2], 'shift', 0)).toEqual([0, 2]);
  });

  it.each([[[0, 2]], [[2, -1]], [[2.5, 2]], [[2]], [[2, 2, 2]], [7], [null], ['2,2'], [[Number.NaN, 1]]])(
    'rejects %j with a ConfigError naming the argument',
    (value) => {
      expectError(
        () => assertIntegerPair(value, 'Lcaf: grid'),
        ConfigError,
        new RegExp(
          `^Lcaf: grid must be \\[height, width\\] of positive integers, got ${escapeRegExp(JSON.stringify(value) ?? 'undefined')}$`,
        ),
      );
    },
  );

  it('says non-negative with min 0 and throws the error class it is given', () => {
    expectError(
      () => assertIntegerPair([-1, 0], 'shift', 0, ShapeError),
      ShapeError,
      /^shift must be \[height, width\] of non-negative integers, got \[-1,0\]$/,
    );
  });
});

describe('formatShape', () => {
  it('prints sizes in brackets and null (symbolic) dimensions as ?', () => {
    expect(formatShape([])).toBe('[]');
    expect(formatShape([2, 3, 4])).toBe('[2,3,4]');
    expect(formatShape([null, 7])).toBe('[?,7]');
  });
});

describe('assertRank', () => {
  it('accepts a tensor or shape holder of that rank', () => {
    expect(() => assertRank(tf.zeros([2, 3, 4]), 3, 'x')).not.toThrow();
    expect(() => assertRank({ shape: [null, 4] }, 2, 'x')).not.toThrow();
    expect(() => assertRank(tf.scalar(1), 0, 'x')).not.toThrow();
  });

  it.each([
    [[2, 3], 4, 'input must have rank 4, got shape [2,3] (rank 2)'],
    [[1, 2, 3, 4, 5], 4, 'input must have rank 4, got shape [1,2,3,4,5] (rank 5)'],
    [[], 1, 'input must have rank 1, got shape [] (rank 0)'],
    [[null, 3], 3, 'input must have rank 3, got shape [?,3] (rank 2)'],
  ])('rejects shape %j for rank %i with a ShapeError', (shape, rank, message) => {
    expectError(
      () => assertRank({ shape }, rank, 'input'),
      ShapeError,
      new RegExp(`^${escapeRegExp(message)}$`),
    );
  });
});

describe('assertShape', () => {
  it('accepts equal shapes, with null on either side matching any size', () => {
    expect(() => assertShape([2, 3], [2, 3], 'x')).not.toThrow();
    expect(() => assertShape([5, 4], [null, 4], 'x')).not.toThrow();
    expect(() => assertShape([null, 4], [2, 4], 'x')).not.toThrow();
    expect(() => assertShape([], [], 'x')).not.toThrow();
  });

  it.each([
    [[2, 3], [2, 4], 'bias must have shape [2,4], got [2,3]'],
    [[2, 3], [null, 4], 'bias must have shape [?,4], got [2,3]'],
    [[2, 3, 1], [2, 3], 'bias must have shape [2,3], got [2,3,1]'],
    [[6], [2, 3], 'bias must have shape [2,3], got [6]'],
    [[], [1], 'bias must have shape [1], got []'],
  ])('rejects %j against %j with a ShapeError', (shape, expected, message) => {
    expectError(
      () => assertShape(shape, expected, 'bias'),
      ShapeError,
      new RegExp(`^${escapeRegExp(message)}$`),
    );
  });
});

describe('assertDivisible', () => {
  it.each([
    [7, 7],
    [14, 7],
    [224, 32],
    [5, 1],
  ])('accepts %i as a multiple of %i', (size, divisor) => {
    expect(() => assertDivisible(size, divisor, 'height')).not.toThrow();
  });

  it.each([
    [15, 7],
    [1, 2],
    [0, 7],
    [-14, 7],
    [Number.NaN, 7],
    [Number.POSITIVE_INFINITY, 7],
  ])('rejects %d for divisor %d with a ShapeError naming the size and the divisor', (size, divisor) => {
    expectError(
      () => assertDivisible(size, divisor, 'image height'),
      ShapeError,
      new RegExp(
        `^image height \\(${escapeRegExp(String(size))}\\) must be a positive multiple of ${escapeRegExp(String(divisor))}$`,
      ),
    );
  });
});
