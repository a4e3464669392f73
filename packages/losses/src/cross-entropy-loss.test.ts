import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { crossEntropyLoss, crossEntropyLossFn } from './cross-entropy-loss.js';

/** Naive float64 per-pixel CE: logsumexp(x) - x[label]. */
function naiveCe(logits: number[], labels: number[], c: number): number[] {
  return labels.map((k, i) => {
    const row = logits.slice(i * c, (i + 1) * c);
    const m = Math.max(...row);
    return m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[k]!;
  });
}

const TOL = { atol: 1e-5, rtol: 1e-5 };

describe('crossEntropyLoss', () => {
  const rand = seededRandom(3);
  const C = 4;
  const logits = uniform(rand, 2 * 3 * 2 * C, -3, 3);
  const labels = Array.from({ length: 12 }, () => Math.floor(rand() * C));

  it('matches the naive per-pixel cross-entropy, reduced and not', async () => {
    const expected = naiveCe(logits, labels, C);
    const yPred = tf.tensor(logits, [2, 3, 2, C]);
    const yTrue = tf.tensor(labels, [2, 3, 2], 'int32');
    const none = crossEntropyLoss(yTrue, yPred, { reduction: 'none' });
    expect(none.shape).toEqual([2, 3, 2]);
    await expectClose(none, expected, TOL, 'none');
    const mean = expected.reduce((a, b) => a + b) / expected.length;
    await expectClose(crossEntropyLoss(yTrue, yPred), [mean], TOL, 'mean');
    await expectClose(crossEntropyLoss(yTrue, yPred, { reduction: 'sum' }), [mean * 12], TOL, 'sum');
    await expectClose(
      crossEntropyLossFn()(tf.oneHot(yTrue as tf.Tensor3D, C), yPred),
      [mean],
      TOL,
      'one-hot',
    );
    // Float class indices (as a TF.js dataset may deliver them) work too.
    await expectClose(crossEntropyLoss(tf.cast(yTrue, 'float32'), yPred), [mean], TOL, 'float indices');
  });

  it('is stable for huge logits', async () => {
    const yPred = tf.tensor([1000, -1000, 0, 0, 0, 2000], [1, 2, 3]);
    const yTrue = tf.tensor([1, 2], [1, 2], 'int32');
    await expectClose(crossEntropyLoss(yTrue, yPred, { reduction: 'none' }), [2000, 0], TOL, 'huge logits');
  });

  it('gradient w.r.t. logits matches finite differences', async () => {
    const yTrue = tf.tensor([0, 3, 1, 2], [1, 2, 2], 'int32');
    await expectGradientMatchesFiniteDifferences(
      (z) => crossEntropyLoss(yTrue, z),
      uniform(rand, 16, -2, 2),
      [1, 2, 2, C],
      'crossEntropyLoss',
    );
    yTrue.dispose();
  });

  it('does not leak tensors', async () => {
    const yPred = tf.tensor(logits, [2, 3, 2, C]);
    const yTrue = tf.tensor(labels, [2, 3, 2], 'int32');
    await expectNoLeak(() => crossEntropyLoss(yTrue, yPred));
    tf.dispose([yPred, yTrue]);
  });

  it('rejects bad shapes and options with typed errors', () => {
    const yPred = tf.zeros([2, 3, 2, C]);
    expect(() => crossEntropyLoss(tf.zeros([2, 2, 3], 'int32'), yPred)).toThrow(ShapeError);
    expect(() => crossEntropyLoss(tf.zeros([2, 3, 2], 'int32'), yPred, { reduction: 'x' as never })).toThrow(
      ConfigError,
    );
    tf.dispose(yPred);
  });
});
