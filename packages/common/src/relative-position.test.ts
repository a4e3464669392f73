import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE } from '../../testing/src/index.ts';
import { ShapeError } from './errors.js';
import { RelativePositionBias, relativePositionIndex } from './relative-position.js';

describe('relativePositionIndex', () => {
  it('indexes the table row of the offset from key to query (3x2 windows, by hand)', () => {
    const index = relativePositionIndex(3, 2);
    expect(index).toHaveLength(36);
    // Query 0 (0,0), key 5 (2,1): offset (-2, -1) -> (0 * 3) + 0 = 0; query 5, key 0: (2, 1) -> 4 * 3 + 2.
    expect(index[0 * 6 + 5]).toBe(0);
    expect(index[5 * 6 + 0]).toBe(14);
    expect(index[4 * 6 + 4]).toBe(2 * 3 + 1); // no offset: the centre row
  });
});

describe('RelativePositionBias', () => {
  it.each([
    [2, 2, 3],
    [3, 2, 2],
  ])(
    'equals gather-and-transpose for %ix%i windows, %i heads, values and table gradient',
    async (wh, ww, heads) => {
      const rows = (2 * wh - 1) * (2 * ww - 1);
      const n = wh * ww;
      const table = tf.randomNormal([rows, heads], 0, 1, 'float32', 1);
      const index = tf.tensor1d(relativePositionIndex(wh, ww), 'int32');
      const byGather = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.gather(t, index)), [heads, n, n]);
      const bias = new RelativePositionBias(wh, ww);
      const product = bias.apply(table);
      expect(product.shape).toEqual([heads, n, n]);
      await expectClose(product, byGather(table), TOLERANCE.exact, 'bias');
      const weights = tf.randomNormal([heads, n, n], 0, 1, 'float32', 2);
      const gradient = (f: (t: tf.Tensor) => tf.Tensor) =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), weights)))(table);
      await expectClose(
        gradient((t) => bias.apply(t)),
        gradient(byGather),
        TOLERANCE.op,
        'table gradient',
      );
      bias.dispose();
    },
  );

  it('names a table of the wrong shape', () => {
    const bias = new RelativePositionBias(2);
    expect(() => bias.apply(tf.zeros([8, 2]))).toThrow(ShapeError);
    expect(() => bias.apply(tf.zeros([8, 2]))).toThrow(/must be \[9, heads\] for 2x2 windows/);
  });
});
