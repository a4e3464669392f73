import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { diceLoss, diceLossFn } from './dice-loss.js';

interface NaiveOptions {
  includeBackground: boolean;
  squaredPred: boolean;
  jaccard: boolean;
  batch: boolean;
  smooth: number;
}

/**
 * Naive float64 Dice: logits [B, N, C] (N pixels), labels [B, N]; softmax per pixel; returns the
 * per-(image, class) or per-class losses.
 */
function naiveDice(
  logits: number[],
  labels: number[],
  b: number,
  n: number,
  c: number,
  o: NaiveOptions,
): number[] {
  const p: number[] = [];
  for (let i = 0; i < b * n; i++) {
    const row = logits.slice(i * c, (i + 1) * c);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((x, y) => x + y);
    p.push(...e.map((v) => v / s));
  }
  const out: number[] = [];
  const groups = o.batch ? [[...Array(b).keys()]] : [...Array(b).keys()].map((i) => [i]);
  for (const g of groups) {
    for (let k = o.includeBackground ? 0 : 1; k < c; k++) {
      let inter = 0;
      let ps = 0;
      let ts = 0;
      for (const img of g) {
        for (let j = 0; j < n; j++) {
          const pv = p[(img * n + j) * c + k]!;
          const tv = labels[img * n + j] === k ? 1 : 0;
          inter += pv * tv;
          ps += o.squaredPred ? pv * pv : pv;
          ts += tv;
        }
      }
      // MONAI's DiceLoss(jaccard=True): denominator 2 (P + G - I), the union doubled.
      const den = o.jaccard ? 2 * (ps + ts - inter) : ps + ts;
      out.push(1 - (2 * inter + o.smooth) / (den + o.smooth));
    }
  }
  return out;
}

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe('diceLoss', () => {
  const rand = seededRandom(7);
  const [B, H, W, C] = [2, 3, 4, 3];
  const logits = uniform(rand, B * H * W * C, -2, 2);
  const labels = Array.from({ length: B * H * W }, () => Math.floor(rand() * C));

  const grid: Partial<NaiveOptions>[] = [
    {},
    { includeBackground: false },
    { squaredPred: true, batch: true },
    { jaccard: true },
    { batch: true, includeBackground: false, smooth: 1 },
  ];
  for (const g of grid) {
    const o: NaiveOptions = {
      includeBackground: true,
      squaredPred: false,
      jaccard: false,
      batch: false,
      smooth: 1e-5,
      ...g,
    };
    it(`matches the naive per-(image,)class Dice with ${JSON.stringify(g)}`, async () => {
      const expected = naiveDice(logits, labels, B, H * W, C, o);
      const yPred = tf.tensor(logits, [B, H, W, C]);
      const yTrue = tf.tensor(labels, [B, H, W], 'int32');
      const options = { ...o, softmax: true, smoothNr: o.smooth, smoothDr: o.smooth };
      const none = diceLoss(yTrue, yPred, { ...options, reduction: 'none' });
      const classes = o.includeBackground ? C : C - 1;
      expect(none.shape).toEqual(o.batch ? [classes] : [B, classes]);
      await expectClose(none, expected, TOL, 'none');
      const mean = expected.reduce((a, b) => a + b) / expected.length;
      await expectClose(diceLoss(yTrue, yPred, options), [mean], TOL, 'mean');
      await expectClose(
        diceLoss(yTrue, yPred, { ...options, reduction: 'sum' }),
        [mean * expected.length],
        TOL,
        'sum',
      );
      await expectClose(diceLossFn(options)(yTrue, yPred), [mean], TOL, 'diceLossFn');
      tf.dispose([yPred, yTrue, none]);
    });
  }

  it('jaccard: a perfect prediction has loss 0, a disjoint one loss 1 (MONAI: 1 - (2I + s) / (2(P + G - I) + s))', async () => {
    const truth = tf.tensor([1, 0, 0, 1, 1, 0], [1, 2, 3, 1]);
    await expectClose(diceLoss(truth, truth, { jaccard: true }), [0], TOL, 'perfect');
    const disjoint = tf.tensor([0, 1, 1, 0, 0, 1], [1, 2, 3, 1]);
    await expectClose(diceLoss(truth, disjoint, { jaccard: true, smoothNr: 0 }), [1], TOL, 'disjoint');
    // Half overlap: P = 2, G = 3, I = 1 -> 1 - 2 / (2 * 4) = 0.75 (soft IoU 1/4).
    const half = tf.tensor([1, 1, 0, 0, 0, 0], [1, 2, 3, 1]);
    await expectClose(
      diceLoss(truth, half, { jaccard: true, smoothNr: 0, smoothDr: 0 }),
      [0.75],
      TOL,
      'half',
    );
    tf.dispose([truth, disjoint, half]);
  });

  it('works on volumes [B, D, H, W, C] like on the flattened image', async () => {
    const yPred3 = tf.tensor(logits, [B, 2, 2, 3, C]);
    const yTrue3 = tf.tensor(labels, [B, 2, 2, 3], 'int32');
    const expected = naiveDice(logits, labels, B, 12, C, {
      includeBackground: true,
      squaredPred: false,
      jaccard: false,
      batch: false,
      smooth: 1e-5,
    });
    await expectClose(diceLoss(yTrue3, yPred3, { softmax: true, reduction: 'none' }), expected, TOL, '3D');
  });

  it('binary: sigmoid Dice on [B, H, W, 1] with a binary target', async () => {
    const x = uniform(rand, 8, -2, 2);
    const t = [1, 0, 0, 1, 1, 1, 0, 0];
    const p = x.map((v) => 1 / (1 + Math.exp(-v)));
    const inter = p.reduce((a, v, i) => a + v * t[i]!, 0);
    const expected = 1 - (2 * inter + 1e-5) / (p.reduce((a, v) => a + v) + 4 + 1e-5);
    await expectClose(
      diceLoss(tf.tensor(t, [1, 2, 4, 1]), tf.tensor(x, [1, 2, 4, 1]), { sigmoid: true }),
      [expected],
      TOL,
      'binary',
    );
    // Class-index shape [B, H, W] against one channel is the binary map too.
    await expectClose(
      diceLoss(tf.tensor(t, [1, 2, 4]), tf.tensor(x, [1, 2, 4, 1]), { sigmoid: true }),
      [expected],
      TOL,
      'binary, [B,H,W] target',
    );
  });

  it('gradient w.r.t. logits matches finite differences (softmax, squared, batch, no background)', async () => {
    const yTrue = tf.tensor([0, 1, 2, 2, 1, 0], [1, 2, 3], 'int32');
    await expectGradientMatchesFiniteDifferences(
      (z) => diceLoss(yTrue, z, { softmax: true, squaredPred: true, batch: true, includeBackground: false }),
      uniform(rand, 18, -2, 2),
      [1, 2, 3, 3],
      'softmax Dice',
    );
    yTrue.dispose();
  });

  it('gradient w.r.t. logits matches finite differences (sigmoid, per image)', async () => {
    const yTrue = tf.tensor([1, 0, 1, 1, 0, 0, 1, 0], [2, 2, 2, 1]);
    await expectGradientMatchesFiniteDifferences(
      (z) => diceLoss(yTrue, z, { sigmoid: true }),
      uniform(rand, 8, -2, 2),
      [2, 2, 2, 1],
      'sigmoid Dice',
    );
    yTrue.dispose();
  });

  it('does not leak tensors', async () => {
    const yPred = tf.tensor(logits, [B, H, W, C]);
    const yTrue = tf.tensor(labels, [B, H, W], 'int32');
    await expectNoLeak(() => diceLoss(yTrue, yPred, { softmax: true, includeBackground: false }));
    tf.dispose([yPred, yTrue]);
  });

  it('rejects bad shapes and options with typed errors', () => {
    const yPred = tf.zeros([2, 4, 4, 3]);
    expect(() => diceLoss(tf.zeros([2, 4, 5], 'int32'), yPred)).toThrow(ShapeError);
    expect(() => diceLoss(tf.zeros([2, 4, 4, 2]), yPred)).toThrow(/target must be class indices \[2,4,4\]/);
    expect(() => diceLoss(tf.zeros([2, 4, 4], 'int32'), yPred, { softmax: true, sigmoid: true })).toThrow(
      ConfigError,
    );
    expect(() => diceLossFn({ smoothNr: -1 })).toThrow(ConfigError);
    expect(() => diceLoss(tf.zeros([3]), tf.zeros([3]))).toThrow(ShapeError);
    tf.dispose(yPred);
  });
});
