import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { edgeLoss, edgeLossFn } from './edge-loss.js';

/**
 * Naive eq. 14 in float64 over images of `n` pixels: counts per batch (or per image), then
 * -sum of alpha log(1 - p) on negatives and beta log p on positives; (0, eta) ignored.
 */
function naiveEdge(
  target: number[],
  maps: number[][],
  n: number,
  lambda: number,
  eta: number,
  perImage = false,
): number {
  let total = 0;
  const groups = perImage ? target.length / n : 1;
  const size = perImage ? n : target.length;
  for (let g = 0; g < groups; g++) {
    const idx = [...Array(size).keys()].map((i) => g * size + i);
    const pos = idx.filter((i) => target[i]! >= eta).length;
    const neg = idx.filter((i) => target[i] === 0).length;
    const beta = neg / (pos + neg);
    const alpha = (lambda * pos) / (pos + neg);
    for (const p of maps) {
      for (const i of idx) {
        if (target[i] === 0) total -= alpha * Math.log(1 - p[i]!);
        else if (target[i]! >= eta) total -= beta * Math.log(p[i]!);
      }
    }
  }
  return total;
}

describe('edgeLoss (eq. 14)', () => {
  const rand = seededRandom(21);
  const shape = [2, 3, 4, 1];
  // Soft labels: zeros, uncertain values in (0, eta), and edges >= eta.
  const target = Array.from({ length: 24 }, (_, i) => [0, 0, 0.3, 0.9, 1, 0][i % 6]!);
  const maps = [uniform(rand, 24, 0.05, 0.95), uniform(rand, 24, 0.05, 0.95)];
  const TOL = { atol: 1e-5, rtol: 1e-5 };

  it('matches the naive eq. 14 for one map and a list of maps (sum)', async () => {
    const t = tf.tensor(target, shape);
    const p0 = tf.tensor(maps[0]!, shape);
    const p1 = tf.tensor(maps[1]!, shape);
    await expectClose(edgeLoss(t, p0), [naiveEdge(target, [maps[0]!], 12, 1.1, 0.8)], TOL, 'one map');
    await expectClose(edgeLoss(t, [p0, p1]), [naiveEdge(target, maps, 12, 1.1, 0.8)], TOL, 'two maps');
    await expectClose(
      edgeLoss(t, [p0, p1], { lambda: 2, eta: 0.25 }),
      [naiveEdge(target, maps, 12, 2, 0.25)],
      TOL,
      'lambda 2, eta 0.25',
    );
    await expectClose(
      edgeLoss(t, p0, { balance: 'image' }),
      [naiveEdge(target, [maps[0]!], 12, 1.1, 0.8, true)],
      TOL,
      'per-image balance',
    );
    tf.dispose([t, p0, p1]);
  });

  it('mean, none and per-map weights', async () => {
    const t = tf.tensor(target, shape);
    const p = maps.map((m) => tf.tensor(m, shape));
    const sum = naiveEdge(target, maps, 12, 1.1, 0.8);
    await expectClose(edgeLoss(t, p, { reduction: 'mean' }), [sum / 48], TOL, 'mean');
    const none = edgeLoss(t, p, { reduction: 'none' });
    expect(none.shape).toEqual([2, ...shape]);
    await expectClose(tf.sum(none), [sum], TOL, 'none sums to sum');
    const weighted =
      0.5 * naiveEdge(target, [maps[0]!], 12, 1.1, 0.8) + 2 * naiveEdge(target, [maps[1]!], 12, 1.1, 0.8);
    await expectClose(edgeLoss(t, p, { weights: [0.5, 2] }), [weighted], TOL, 'weights');
    await expectClose(
      edgeLossFn()(t, p[0]!),
      [naiveEdge(target, [maps[0]!], 12, 1.1, 0.8)],
      TOL,
      'edgeLossFn',
    );
    tf.dispose([t, ...p, none]);
  });

  it('uncertain pixels (0 < y < eta) get no loss and no gradient', async () => {
    const t = tf.tensor(target, shape);
    const p = tf.tensor(maps[0]!, shape);
    const perPixel = await edgeLoss(t, p, { reduction: 'none' }).data();
    const g = await tf
      .grad((z: tf.Tensor) => edgeLoss(t, z))(p)
      .data();
    target.forEach((v, i) => {
      if (v > 0 && v < 0.8) {
        expect(perPixel[i]).toBe(0);
        expect(g[i]).toBe(0);
      } else {
        expect(perPixel[i]).toBeGreaterThan(0);
      }
    });
    tf.dispose([t, p]);
  });

  it('gradient matches finite differences, w.r.t. probabilities and w.r.t. logits', async () => {
    const t = tf.tensor(target.slice(0, 12), [1, 3, 4, 1]);
    await expectGradientMatchesFiniteDifferences(
      (z) => edgeLoss(t, z),
      uniform(rand, 12, 0.2, 0.8),
      [1, 3, 4, 1],
      'probabilities',
      1e-3,
    );
    await expectGradientMatchesFiniteDifferences(
      (z) => edgeLoss(t, [z, tf.mul(z, 0.5)], { sigmoid: true, reduction: 'mean' }),
      uniform(rand, 12, -3, 3),
      [1, 3, 4, 1],
      'logits, two maps',
    );
    t.dispose();
  });

  it('clamps log(0) at -100 like PyTorch (finite for saturated probabilities)', async () => {
    const t = tf.tensor([1, 0], [1, 2]);
    const p = tf.tensor([0, 1], [1, 2]);
    // One positive, one negative: beta = 1/2 on the positive, alpha = 1.1/2 on the negative.
    await expectClose(edgeLoss(t, p), [0.5 * 100 + 0.55 * 100], { atol: 1e-3, rtol: 1e-6 }, 'clamped');
    tf.dispose([t, p]);
  });

  it('has a finite gradient at saturated probabilities (0 and 1), where log would give 0 * Infinity', async () => {
    // Targets 1, 0, 1, 0 against predictions 0, 1 (saturated, clamped: no gradient) and 0.25, 0.75.
    const t = tf.tensor([1, 0, 1, 0], [1, 4]);
    const p = tf.tensor([0, 1, 0.25, 0.75], [1, 4]);
    const g = tf.grad((x: tf.Tensor) => edgeLoss(t, x))(p);
    const values = Array.from(await g.data());
    expect(values.every(Number.isFinite)).toBe(true);
    // Two positives and two negatives: beta = 1/2 (positives), alpha = 1.1 * 1/2 (negatives);
    // d/dp of -beta log p is -beta / p, of -alpha log(1 - p) is alpha / (1 - p).
    expect(values[0]).toBe(0);
    expect(values[1]).toBe(0);
    expect(values[2]).toBeCloseTo(-0.5 / 0.25, 4);
    expect(values[3]).toBeCloseTo(0.55 / 0.25, 4);
    tf.dispose([t, p, g]);
  });

  it('does not leak tensors', async () => {
    const t = tf.tensor(target, shape);
    const p = tf.tensor(maps[0]!, shape);
    await expectNoLeak(() => edgeLoss(t, [p, p], { sigmoid: true }));
    tf.dispose([t, p]);
  });

  it('rejects bad input with typed errors', () => {
    const t = tf.zeros(shape);
    const p = tf.zeros(shape);
    const q = tf.zeros([2, 6, 8, 1]);
    expect(() => edgeLoss(t, [p, q])).toThrow(ShapeError);
    expect(() => edgeLoss(t, [p, q])).toThrow(/yPred\[1\] \[2,6,8,1\]/);
    expect(() => edgeLoss(t, [])).toThrow(ConfigError);
    expect(() => edgeLoss(t, p, { eta: 1.5 })).toThrow(ConfigError);
    expect(() => edgeLoss(t, p, { lambda: -1 })).toThrow(ConfigError);
    expect(() => edgeLoss(t, [p, p], { weights: [1] })).toThrow(ShapeError);
    expect(() => edgeLossFn({ balance: 'pixel' as never })).toThrow(ConfigError);
    tf.dispose([t, p, q]);
  });
});
