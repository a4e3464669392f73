import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, TOLERANCE } from '../../testing/src/index.ts';
import { layerNormRef, seededValues, toRows } from '../test/reference.js';
import { DlfLayerNorm, layerNorm } from './layer-norm.js';

describe('layerNorm', () => {
  it('matches a naive loop with eps 1e-5', async () => {
    const x = seededValues(3 * 5, 1).map((v) => v * 3 + 1);
    const gamma = seededValues(5, 2);
    const beta = seededValues(5, 3);
    const y = layerNorm(tf.tensor2d(x, [3, 5]), tf.tensor1d(gamma), tf.tensor1d(beta));
    const expected = layerNormRef(toRows(x, 3, 5), gamma, beta, 1e-5).flat();
    await expectClose(y, expected, TOLERANCE.op, 'layerNorm');
    // eps matters for nearly constant rows: var 0 gives beta, not NaN.
    const flat = layerNorm(tf.ones([1, 5]), tf.tensor1d(gamma), tf.tensor1d(beta));
    await expectClose(flat, beta, TOLERANCE.op, 'constant row');
  });

  it('as a layer: gamma 1 / beta 0 at init, shape kept, no leak', async () => {
    const norm = new DlfLayerNorm();
    const x = tf.tensor3d(seededValues(2 * 3 * 4, 4), [2, 3, 4]);
    const y = norm.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 4]);
    expect(norm.countParams()).toBe(8);
    const { mean, variance } = tf.moments(y, -1);
    await expectClose(mean, new Array(6).fill(0), TOLERANCE.op, 'row means');
    await expectClose(variance, new Array(6).fill(1), { atol: 1e-3, rtol: 1e-3 }, 'row variances');
    await expectNoLeak(() => norm.apply(x));
    expect(norm.getConfig().epsilon).toBe(1e-5);
  });
});
