import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { bceLoss, bceLossFn, bceWithLogits } from './bce-loss.js';

/** Naive float64 reference: -[w t log s + (1 - t) log(1 - s)], s = sigmoid(x), log s via log1p. */
function naive(x: number, t: number, w = 1): number {
  const logSig = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
  const log1mSig = logSig - x; // log(1 - s) = log s - x
  return -(w * t * logSig + (1 - t) * log1mSig);
}

describe('bceLoss', () => {
  const x = [-3, -0.5, 0, 0.7, 2.5, 4, -1.2, 0.1];
  const t = [0, 1, 1, 0, 1, 0.3, 0, 1];

  it('matches the naive formula per element, and its mean and sum', async () => {
    const expected = x.map((v, i) => naive(v, t[i]!));
    const yTrue = tf.tensor(t, [2, 2, 2, 1]);
    const yPred = tf.tensor(x, [2, 2, 2, 1]);
    await expectClose(
      bceLoss(yTrue, yPred, { reduction: 'none' }),
      expected,
      { atol: 1e-6, rtol: 1e-5 },
      'none',
    );
    const mean = expected.reduce((a, b) => a + b) / expected.length;
    await expectClose(bceLoss(yTrue, yPred), [mean], { atol: 1e-6, rtol: 1e-5 }, 'mean');
    await expectClose(
      bceLoss(yTrue, yPred, { reduction: 'sum' }),
      [mean * 8],
      { atol: 1e-6, rtol: 1e-5 },
      'sum',
    );
    await expectClose(bceLossFn()(yTrue, yPred), [mean], { atol: 1e-6, rtol: 1e-5 }, 'bceLossFn');
  });

  it('applies posWeight to the positive term', async () => {
    const expected = x.map((v, i) => naive(v, t[i]!, 3));
    await expectClose(
      bceLoss(tf.tensor(t), tf.tensor(x), { posWeight: 3, reduction: 'none' }),
      expected,
      { atol: 1e-6, rtol: 1e-5 },
      'posWeight',
    );
  });

  it('is finite and exact for huge logits (no overflow)', async () => {
    const big = [100, -100, 1e4, -1e4];
    const tt = [0, 1, 1, 0];
    await expectClose(
      bceWithLogits(tf.tensor(tt), tf.tensor(big)),
      [100, 100, 0, 0],
      { atol: 1e-4, rtol: 1e-6 },
      'huge logits',
    );
  });

  it('has the exact gradient sigmoid(x) - t, also at x = 0', async () => {
    const g = tf.grad((z: tf.Tensor) => tf.sum(bceWithLogits(tf.tensor([1, 0, 0.25]), z)))(
      tf.tensor([0, 0, 0]),
    );
    await expectClose(g, [-0.5, 0.5, 0.25], { atol: 1e-7, rtol: 0 }, 'gradient at 0');
  });

  it('gradient w.r.t. logits matches finite differences (mean, posWeight 2)', async () => {
    const rand = seededRandom(1);
    const target = tf.tensor(
      uniform(rand, 12, 0, 1).map((v) => (v > 0.5 ? 1 : 0)),
      [1, 3, 4, 1],
    );
    await expectGradientMatchesFiniteDifferences(
      (z) => bceLoss(target, z, { posWeight: 2 }),
      uniform(rand, 12, -3, 3),
      [1, 3, 4, 1],
      'bceLoss',
    );
    target.dispose();
  });

  it('does not leak tensors', async () => {
    const a = tf.tensor(t);
    const b = tf.tensor(x);
    await expectNoLeak(() => bceLoss(a, b));
    tf.dispose([a, b]);
  });

  it('rejects mismatched shapes and bad options with typed errors', () => {
    const a = tf.zeros([2, 4, 4, 1]);
    const b = tf.zeros([2, 4, 5, 1]);
    expect(() => bceLoss(a, b)).toThrow(ShapeError);
    expect(() => bceLoss(a, b)).toThrow(/yTrue \[2,4,4,1\] and yPred \[2,4,5,1\]/);
    expect(() => bceLoss(a, a, { reduction: 'avg' as never })).toThrow(ConfigError);
    expect(() => bceLossFn({ reduction: 'avg' as never })).toThrow(ConfigError);
    tf.dispose([a, b]);
  });
});
