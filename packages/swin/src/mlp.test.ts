import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak } from '../../testing/src/index.ts';
import { gelu, Mlp } from './mlp.js';

describe('gelu', () => {
  it('is the exact erf form (values of x Phi(x))', async () => {
    const x = tf.tensor1d([-3, -1, 0, 0.5, 1, 2]);
    // x * Phi(x), Phi the standard normal CDF (tables); the tanh form differs by up to ~1e-3.
    const expected = [-0.00404951, -0.15865525, 0, 0.34573123, 0.84134475, 1.95449974];
    await expectClose(gelu(x), expected, { atol: 2e-6, rtol: 1e-5 }, 'gelu');
    x.dispose();
  });
});

describe('Mlp', () => {
  it('computes fc2(gelu(fc1(x))) with timm sub-layer names', async () => {
    const mlp = new Mlp({ name: 'mlp', dim: 3, hiddenDim: 5 });
    const x = tf.tensor3d(
      Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)),
      [2, 2, 3],
    );
    const y = mlp.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 2, 3]);
    expect(mlp.weights.map((w) => w.originalName)).toEqual([
      'mlp/fc1/kernel',
      'mlp/fc1/bias',
      'mlp/fc2/kernel',
      'mlp/fc2/bias',
    ]);
    const [w1, b1, w2, b2] = mlp.weights.map((w) => w.read());
    const flat = tf.reshape(x, [4, 3]);
    const pre = tf.add(tf.matMul(flat, w1!), b1!);
    const h = tf.mul(tf.mul(pre, 0.5), tf.add(1, tf.erf(tf.div(pre, Math.SQRT2))));
    const expected = tf.add(tf.matMul(h, w2!), b2!);
    await expectClose(tf.reshape(y, [4, 3]), expected, { atol: 1e-5, rtol: 1e-5 }, 'mlp');
    await expectNoLeak(() => mlp.apply(x));
    tf.dispose([x, y, flat, pre, h, expected]);
    mlp.dispose();
  });

  it('rejects bad config and input', () => {
    expect(() => new Mlp({ dim: 0 })).toThrow(ConfigError);
    expect(() => new Mlp({ dim: 2, drop: 1 })).toThrow(ConfigError);
    const mlp = new Mlp({ dim: 4 });
    expect(() => mlp.apply(tf.zeros([1, 3]))).toThrow(ShapeError);
  });
});
