import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { bodyLoss, bodyLossFn } from './body-loss.js';

describe('bodyLoss', () => {
  const rand = seededRandom(5);

  it('binary: lambda1 * mean BCE + lambda2 * (1 - 2 sum p g / sum (p + g)) (naive float64)', async () => {
    const x = uniform(rand, 8, -3, 3);
    const t = [1, 1, 0, 0, 1, 0, 1, 0];
    const p = x.map((v) => 1 / (1 + Math.exp(-v)));
    const bce = -p.reduce((a, v, i) => a + (t[i]! ? Math.log(v) : Math.log(1 - v)), 0) / 8;
    const inter = p.reduce((a, v, i) => a + v * t[i]!, 0);
    const dice = 1 - (2 * inter + 1e-5) / (p.reduce((a, v) => a + v) + 4 + 1e-5);
    await expectClose(
      bodyLossFn({ lambda1: 0.5, lambda2: 1.5 })(tf.tensor(t, [2, 2, 2, 1]), tf.tensor(x, [2, 2, 2, 1])),
      [0.5 * bce + 1.5 * dice],
      { atol: 1e-6, rtol: 1e-5 },
    );
  });

  it('multi-class: CE + mean per-class Dice on the softmax (naive float64)', async () => {
    const x = uniform(rand, 4 * 3, -2, 2);
    const labels = [0, 2, 1, 2];
    let ce = 0;
    const p: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const row = x.slice(3 * i, 3 * i + 3).map(Math.exp);
      const s = row.reduce((a, b) => a + b);
      p.push(row.map((v) => v / s));
      ce -= Math.log(p[i]![labels[i]!]!);
    }
    ce /= 4;
    let dice = 0;
    for (let k = 0; k < 3; k++) {
      let inter = 0;
      let sum = 0;
      for (let i = 0; i < 4; i++) {
        const g = labels[i] === k ? 1 : 0;
        inter += p[i]![k]! * g;
        sum += p[i]![k]! + g;
      }
      dice += 1 - (2 * inter + 1e-5) / (sum + 1e-5);
    }
    dice /= 3;
    await expectClose(
      bodyLoss(tf.tensor(labels, [1, 2, 2], 'int32'), tf.tensor(x, [1, 2, 2, 3]), { lambda2: 2 }),
      [ce + 2 * dice],
      { atol: 1e-6, rtol: 1e-5 },
    );
  });

  it('gradient w.r.t. logits matches finite differences (binary and multi-class)', async () => {
    const t = tf.tensor([1, 0, 0, 1, 1, 0], [1, 2, 3, 1]);
    await expectGradientMatchesFiniteDifferences(
      (z) => bodyLoss(t, z),
      uniform(rand, 6, -2, 2),
      [1, 2, 3, 1],
      'binary',
    );
    const l = tf.tensor([1, 0, 2, 1], [1, 2, 2], 'int32');
    await expectGradientMatchesFiniteDifferences(
      (z) => bodyLoss(l, z, { squaredPred: true }),
      uniform(rand, 12, -2, 2),
      [1, 2, 2, 3],
      'multi-class',
    );
    tf.dispose([t, l]);
  });

  it('does not leak tensors', async () => {
    const t = tf.tensor([1, 0, 0, 1], [1, 2, 2, 1]);
    const x = tf.tensor([0.1, -2, 3, 0.4], [1, 2, 2, 1]);
    await expectNoLeak(() => bodyLoss(t, x));
    tf.dispose([t, x]);
  });

  it('binary: a mask without the channel axis gives the same loss', async () => {
    const t = [1, 0, 0, 1];
    const x = tf.tensor([0.3, -1, 2, 0.5], [1, 2, 2, 1]);
    const [a] = await bodyLoss(tf.tensor(t, [1, 2, 2, 1]), x).data();
    await expectClose(bodyLoss(tf.tensor(t, [1, 2, 2]), x), [a!], { atol: 0, rtol: 0 });
    x.dispose();
  });

  it('rejects bad input with typed errors', () => {
    expect(() => bodyLoss(tf.zeros([1, 2, 2]), tf.zeros([1, 2, 3, 1]))).toThrow(ShapeError);
    expect(() => bodyLossFn({ lambda1: -0.1 })).toThrow(ConfigError);
  });
});
