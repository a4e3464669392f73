import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '../../testing/src/index.ts';
import { PatchMerging, patchMergeConcat } from './patch-merging.js';

describe('patchMergeConcat', () => {
  it('concatenates each 2x2 group as (0,0), (1,0), (0,1), (1,1) (row, column)', async () => {
    // x[0, h, w, 0] = 10 h + w on a 2x4 grid: two groups.
    const x = tf.tensor4d([0, 1, 2, 3, 10, 11, 12, 13], [1, 2, 4, 1]);
    const y = patchMergeConcat(x);
    expect(y.shape).toEqual([1, 1, 2, 4]);
    await expectClose(y, [0, 10, 1, 11, 2, 12, 3, 13], TOLERANCE.exact, 'merged');
    tf.dispose([x, y]);
  });

  it('keeps channels together inside each of the four blocks', async () => {
    // Two channels: c0 = 10 h + w, c1 = -(10 h + w); one 2x2 group.
    const x = tf.tensor4d([0, -0, 1, -1, 10, -10, 11, -11], [1, 2, 2, 2]);
    await expectClose(patchMergeConcat(x), [0, -0, 10, -10, 1, -1, 11, -11], TOLERANCE.exact, 'merged');
    x.dispose();
  });

  it('refuses odd grids', () => {
    expect(() => patchMergeConcat(tf.zeros([1, 3, 4, 1]) as tf.Tensor4D)).toThrow(ShapeError);
  });
});

describe('PatchMerging', () => {
  const input = () =>
    tf.tensor4d(
      Float32Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => Math.sin(i)),
      [2, 4, 4, 3],
    );

  it('halves the grid, doubles the channels, has LN(4C) and a bias-free reduction', () => {
    const pm = new PatchMerging({ name: 'pm', dim: 3 });
    const x = input();
    const y = pm.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 2, 2, 6]);
    expect(pm.weights.map((w) => `${w.originalName}:${w.shape.join('x')}`)).toEqual([
      'pm/norm/gamma:12',
      'pm/norm/beta:12',
      'pm/reduction/kernel:12x6',
    ]);
    expect(pm.countParams()).toBe(24 + 72);
    tf.dispose([x, y]);
    pm.dispose();
  });

  it('equals LayerNorm then matmul of the concatenation (independent formula)', async () => {
    const pm = new PatchMerging({ name: 'pm', dim: 3 });
    const x = input();
    tf.dispose(pm.apply(x) as tf.Tensor);
    const kernel = pm.weights[2]!.read();
    const cat = patchMergeConcat(x);
    const { mean, variance } = tf.moments(cat, -1, true);
    const normed = tf.div(tf.sub(cat, mean), tf.sqrt(tf.add(variance, 1e-5)));
    const expected = tf.matMul(tf.reshape(normed, [-1, 12]), kernel);
    await expectClose(tf.reshape(pm.apply(x) as tf.Tensor, [-1, 6]), expected, TOLERANCE.op, 'patch merging');
    tf.dispose([x, cat, mean, variance, normed, expected]);
    pm.dispose();
  });

  it('leaks nothing, rejects bad input, and agrees with cpu', async () => {
    expect(() => new PatchMerging({ dim: 0 })).toThrow(ConfigError);
    const pm = new PatchMerging({ dim: 3 });
    const x = input();
    await expectNoLeak(() => pm.apply(x));
    expect(() => pm.apply(tf.zeros([1, 4, 4, 5]))).toThrow(ShapeError);
    tf.dispose(x);
    pm.dispose();
    const forward = async () => {
      const layer = new PatchMerging({ dim: 3, name: 'pm_cmp' });
      const xi = input();
      tf.dispose(layer.apply(xi) as tf.Tensor);
      for (const w of layer.weights) {
        const t = tf.randomNormal(w.shape as number[], 0, 1, 'float32', 5);
        w.write(t);
        t.dispose();
      }
      const y = layer.apply(xi) as tf.Tensor;
      const v = await y.data();
      tf.dispose([xi, y]);
      layer.dispose();
      return v;
    };
    const here = await forward();
    const cpu = await runOnBackend('cpu', forward);
    expect(closeness(here, cpu, TOLERANCE.op).mismatches).toBe(0);
  });
});
