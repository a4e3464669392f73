import { ConfigError, DTypeError, InvalidValueError, ShapeError } from '@befunet/common';
import { closeness, expectClose, expectNoLeak, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  argmax,
  pointwiseModel,
  pointwiseProbabilities,
  randomValues,
  tinyModel,
} from './__fixtures__/reference-models.js';
import { decideLabels } from './decisions.js';
import { resizedPrediction } from './resized-prediction.js';
import { segment } from './segment.js';
import { slidingWindow } from './sliding-window.js';

const S = 32;
const tiny = tinyModel(4);
const KERNEL = [
  [2, -1, 0.5],
  [-1, 3, 0],
  [0.5, 0.5, -2],
];
const BIAS = [0.1, -0.4, 0.3];
const pointwise = pointwiseModel(S, KERNEL, BIAS);
afterAll(() => {
  tiny.dispose();
  pointwise.dispose();
});

/** Probabilities [H, W, K] of the pointwise model at every pixel of an RGB image, by hand. */
function pointwiseReference(rgb: Float32Array, kernel = KERNEL, bias = BIAS): number[] {
  const out: number[] = [];
  for (let i = 0; i < rgb.length; i += 3)
    out.push(...pointwiseProbabilities(kernel, bias, rgb.subarray(i, i + 3)));
  return out;
}

/** softmax(segment(x)) [S, S, K] of one S x S image, as plain values. */
async function segmentProbabilities(model: tfl.LayersModel, x: tf.Tensor3D): Promise<Float32Array> {
  const logits = await segment(model, x);
  const p = tf.softmax(logits);
  const values = (await p.data()) as Float32Array;
  tf.dispose([logits, p]);
  return values;
}

describe('slidingWindow', () => {
  it('equals softmax(segment) on an image of exactly S x S, blending probabilities or logits', async () => {
    const x = tf.tensor3d(randomValues(S * S * 3, 7), [S, S, 3]);
    const expected = await segmentProbabilities(tiny, x);
    for (const blend of ['probabilities', 'logits'] as const) {
      const p = await slidingWindow(tiny, x, { blend });
      expect(p.shape).toEqual([S, S, 4]);
      await expectClose(p, expected, TOLERANCE.op, `blend ${blend}`);
      p.dispose();
    }
    x.dispose();
  });

  it('covers every pixel of a 2S x 1.5S image: a per-pixel model gives its own probabilities everywhere', async () => {
    const [h, w] = [2 * S, 1.5 * S];
    const rgb = randomValues(h * w * 3, 3);
    const x = tf.tensor3d(rgb, [h, w, 3]);
    for (const overlap of [0.5, 0, 0.75]) {
      const p = await slidingWindow(pointwise, x, { overlap, batchSize: 3 });
      expect(p.shape).toEqual([h, w, 3]);
      await expectClose(p, pointwiseReference(rgb), TOLERANCE.op, `overlap ${overlap}`);
      p.dispose();
    }
    // A model whose output is a constant gives that constant at every pixel.
    const constant = pointwiseModel(
      S,
      [0, 0, 0].map(() => [0, 0, 0]),
      BIAS,
    );
    const p = await slidingWindow(constant, x);
    await expectClose(
      p,
      pointwiseReference(
        new Float32Array(h * w * 3),
        KERNEL.map(() => [0, 0, 0]),
        BIAS,
      ),
    );
    tf.dispose([x, p]);
    constant.dispose();
  });

  it('pads images smaller than S (centred, zeros) and crops the padding away', async () => {
    // Per-pixel model: any misplaced crop would put other pixels' values here.
    const rgb = randomValues(13 * 20 * 3, 5);
    const p = await slidingWindow(pointwise, tf.tensor3d(rgb, [13, 20, 3]));
    expect(p.shape).toEqual([13, 20, 3]);
    await expectClose(p, pointwiseReference(rgb), TOLERANCE.op, 'per-pixel model');
    p.dispose();
    // The real model sees the image in the middle of a zero S x S canvas: rows 9.., columns 6...
    const [h, w] = [13, 20];
    const grey = randomValues(h * w, 9);
    const canvas = new Float32Array(S * S);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) canvas[(y + 9) * S + x + 6] = grey[y * w + x]!;
    const full = await segmentProbabilities(tiny, tf.tensor3d(canvas, [S, S, 1]));
    const expected: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++)
        expected.push(...full.subarray(((y + 9) * S + x + 6) * 4, ((y + 9) * S + x + 7) * 4));
    }
    const q = await slidingWindow(tiny, tf.tensor3d(grey, [h, w, 1]));
    await expectClose(q, expected, TOLERANCE.layer, 'real model, padded');
    q.dispose();
  });

  it('gives consistent labels on a tiled pattern (translation check with the real model)', async () => {
    // 2 x 2 copies of one S x S pattern, tiles without overlap: each copy is predicted like the pattern.
    const pattern = randomValues(S * S, 11);
    const big = new Float32Array(4 * S * S);
    for (let y = 0; y < 2 * S; y++)
      for (let x = 0; x < 2 * S; x++) big[y * 2 * S + x] = pattern[(y % S) * S + (x % S)]!;
    const expected = await segmentProbabilities(tiny, tf.tensor3d(pattern, [S, S, 1]));
    const p = await slidingWindow(tiny, tf.tensor3d(big, [2 * S, 2 * S, 1]), { overlap: 0 });
    const labels = decideLabels(p);
    const [values, classes] = [(await p.data()) as Float32Array, await labels.data()];
    expect(new Set(classes).size, 'classes used').toBeGreaterThan(1);
    for (let y = 0; y < 2 * S; y++) {
      for (let x = 0; x < 2 * S; x++) {
        const at = ((y % S) * S + (x % S)) * 4;
        const got = values.subarray((y * 2 * S + x) * 4, (y * 2 * S + x + 1) * 4);
        expect(
          closeness(got, expected.subarray(at, at + 4), TOLERANCE.layer).mismatches,
          `(${x}, ${y})`,
        ).toBe(0);
        expect(classes[y * 2 * S + x]).toBe(argmax(expected.subarray(at, at + 4)));
      }
    }
    tf.dispose([p, labels]);
  });

  it('blends overlapping tiles with the Gaussian weights (independent blend of a pattern every tile sees alike)', async () => {
    // Period S/2 and tiles every S/2 (0, 16, 32): each of the 9 tiles sees the same S x S content,
    // whose probabilities P are known; pixel (y, x) is then sum g P / sum g over the tiles covering it.
    const half = S / 2;
    const pattern = randomValues(half * half, 13);
    const size = 2 * S;
    const big = new Float32Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) big[y * size + x] = pattern[(y % half) * half + (x % half)]!;
    const crop = big.filter((_, i) => Math.floor(i / size) < S && i % size < S);
    const tileP = await segmentProbabilities(tiny, tf.tensor3d(crop, [S, S, 1]));
    const g = (i: number, j: number) => Math.exp(-((i - 15.5) ** 2 + (j - 15.5) ** 2) / (2 * (S / 8) ** 2));
    const starts = [0, half, S];
    const expected: number[] = [];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const sum = [0, 0, 0, 0];
        let weight = 0;
        for (const ty of starts) {
          for (const tx of starts) {
            const [i, j] = [y - ty, x - tx];
            if (i < 0 || i >= S || j < 0 || j >= S) continue;
            weight += g(i, j);
            for (let k = 0; k < 4; k++) sum[k]! += g(i, j) * tileP[(i * S + j) * 4 + k]!;
          }
        }
        expected.push(...sum.map((v) => v / weight));
      }
    }
    const p = await slidingWindow(tiny, tf.tensor3d(big, [size, size, 1]), { overlap: 0.5 });
    await expectClose(p, expected, TOLERANCE.layer, 'Gaussian blend');
    p.dispose();
  });

  it('takes a batch of images and a single-logit model (two class probabilities, thresholded)', async () => {
    const rgb = randomValues(2 * 40 * 35 * 3, 17);
    const p = await slidingWindow(pointwise, tf.tensor4d(rgb, [2, 40, 35, 3]), { batchSize: 5 });
    expect(p.shape).toEqual([2, 40, 35, 3]);
    await expectClose(p, pointwiseReference(rgb), TOLERANCE.op, 'batch of 2');
    p.dispose();
    const kernel = [[4], [-2], [1]];
    const single = pointwiseModel(S, kernel, [-1]);
    const q = await slidingWindow(single, tf.tensor4d(rgb, [2, 40, 35, 3]));
    expect(q.shape).toEqual([2, 40, 35, 2]);
    const expected = pointwiseReference(rgb, kernel, [-1]);
    await expectClose(q, expected, TOLERANCE.op, 'single logit');
    const labels = decideLabels(q, { threshold: 0.3 });
    const wanted = Array.from({ length: expected.length / 2 }, (_, i) =>
      expected[2 * i + 1]! > 0.3 ? 1 : 0,
    );
    expect(Array.from(await labels.data())).toEqual(wanted);
    tf.dispose([q, labels]);
    single.dispose();
  });

  it('leaks no tensor', async () => {
    const x = tf.tensor3d(randomValues(40 * 33, 19), [40, 33, 1]);
    await expectNoLeak(() => slidingWindow(pointwise, x));
    await expectNoLeak(() => resizedPrediction(pointwise, x));
    // A call rejected for its NaN input leaves nothing behind either.
    const nan = tf.tensor3d([Number.NaN], [1, 1, 1]);
    await expectNoLeak(async () => {
      await expect(slidingWindow(pointwise, nan)).rejects.toThrow(InvalidValueError);
    });
    nan.dispose();
    x.dispose();
  });

  it('names each problem with the input or the options', async () => {
    const cases: [tf.Tensor, new (m: string) => Error, RegExp][] = [
      [
        tf.zeros([8, 8, 2]),
        ShapeError,
        /images has 2 channels; a BEFUnet takes 1 \(grey\) or 3 \(RGB\) \(drop the alpha channel\)/,
      ],
      [tf.zeros([8, 8, 5]), ShapeError, /images has 5 channels/],
      [tf.zeros([0, 8, 1]), ShapeError, /images is empty \(0x8 pixels\)/],
      [tf.zeros([0, 8, 8, 1]), ShapeError, /empty batch/],
      [tf.zeros([8, 8]), ShapeError, /must be \[H, W, C\] or \[N, H, W, C\], got \[8,8\]/],
      [tf.zeros([8, 8, 1], 'int32'), DTypeError, /images must have dtype float32, got int32/],
      [
        tf.fill([8, 8, 1], Number.POSITIVE_INFINITY),
        InvalidValueError,
        /the pixels of images contain NaN or infinite values/,
      ],
    ];
    for (const [x, type, message] of cases) {
      await expect(slidingWindow(pointwise, x as tf.Tensor3D)).rejects.toThrow(type);
      await expect(resizedPrediction(pointwise, x as tf.Tensor3D)).rejects.toThrow(message);
      x.dispose();
    }
    const x = tf.zeros([8, 8, 1]) as tf.Tensor3D;
    await expect(slidingWindow(pointwise, x, { overlap: 1 })).rejects.toThrow(
      /overlap must be in \[0, 1\) \(a fraction of the tile\), got 1/,
    );
    await expect(slidingWindow(pointwise, x, { overlap: -0.5 })).rejects.toThrow(ConfigError);
    await expect(slidingWindow(pointwise, x, { batchSize: 0 })).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
    x.dispose();
  });
});

describe('resizedPrediction', () => {
  it('is softmax(segment) at S x S, and a constant model gives its constant at any size', async () => {
    const rgb = randomValues(S * S * 3, 23);
    const p = await resizedPrediction(pointwise, tf.tensor3d(rgb, [S, S, 3]));
    await expectClose(p, pointwiseReference(rgb), TOLERANCE.op, 'S x S');
    p.dispose();
    const constant = pointwiseModel(
      S,
      KERNEL.map(() => [0, 0, 0]),
      BIAS,
    );
    const q = await resizedPrediction(
      constant,
      tf.tensor4d(randomValues(3 * 50 * 21 * 3, 29), [3, 50, 21, 3]),
      {
        batchSize: 2,
      },
    );
    expect(q.shape).toEqual([3, 50, 21, 3]);
    await expectClose(q, pointwiseReference(new Float32Array(3 * 50 * 21 * 3), KERNEL, BIAS), TOLERANCE.op);
    q.dispose();
    constant.dispose();
  });
});
