import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assertDivisible, assertDType, assertRank, assertShape } from './checks.js';
import { BefunetError, ConfigError, FileFormatError, ShapeError } from './errors.js';

describe('errors', () => {
  it('are recognised across copies through a global symbol, and carry their class name', () => {
    const e = new ShapeError('bad');
    expect(BefunetError.isInstance(e)).toBe(true);
    expect(BefunetError.isInstance(new Error('x'))).toBe(false);
    expect(BefunetError.isInstance({ [Symbol.for('befunet.error')]: true })).toBe(true);
    expect(e.name).toBe('ShapeError');
    expect(new ConfigError('c')).toBeInstanceOf(BefunetError);
    expect(new FileFormatError('a.bin', 'truncated').message).toBe('a.bin: truncated');
  });
});

describe('argument checks', () => {
  it('name the argument, the expectation and what was given', () => {
    const x = tf.zeros([2, 3]);
    expect(() => assertRank(x, 4, 'input')).toThrow(
      new ShapeError('input must have rank 4, got shape [2,3] (rank 2)'),
    );
    expect(() => assertShape([2, 3], [null, 4], 'edge features')).toThrow(
      'edge features must have shape [?,4], got [2,3]',
    );
    expect(() => assertShape([5, 4], [null, 4], 'ok')).not.toThrow();
    expect(() => assertDType(tf.zeros([1], 'int32'), ['float32'], 'logits')).toThrow(
      'logits must have dtype float32, got int32',
    );
    expect(() => assertDivisible(30, 7, 'grid height')).toThrow(
      'grid height (30) must be a positive multiple of 7',
    );
    expect(() => assertDivisible(28, 7, 'grid height')).not.toThrow();
    x.dispose();
  });
});
