import { ConfigError } from '@befunet/common';
import { expectError } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sampleOf } from './augment/scripted-random.test-util.js';
import { resizeSample, resizeTo } from './resize.js';

function randomSample(height: number, width: number, channels: number, classes: number) {
  return sampleOf(
    Array.from({ length: height * width * channels }, (_, i) => (Math.sin(3.7 * i) + 1) / 2),
    Array.from({ length: height * width }, (_, i) => (i * 7 + (i >> 3)) % classes),
    height,
    width,
    channels,
  );
}

/** TF.js's own bilinear resize with half-pixel centres, on the test's backend. */
async function tfResizeBilinear(
  s: { image: Float32Array; height: number; width: number; channels: number },
  height: number,
  width: number,
) {
  const input = tf.tensor4d(s.image, [1, s.height, s.width, s.channels]);
  const output = tf.image.resizeBilinear(input, [height, width], false, true);
  const values = await output.data();
  tf.dispose([input, output]);
  return values;
}

const SIZES: [number, number, number, number][] = [
  // [in height, in width, out height, out width]: up, down, odd ratios, exact halves (16 -> 7,
  // and 2 -> 103, where the computed position of row 51 falls a hair below its half).
  [4, 5, 9, 7],
  [16, 12, 7, 5],
  [7, 7, 3, 11],
  [3, 8, 8, 3],
  [2, 5, 103, 4],
];

describe('resizeSample', () => {
  it('resizes the image like tf.image.resizeBilinear(halfPixelCenters)', async () => {
    for (const [h, w, oh, ow] of SIZES) {
      for (const channels of [1, 3]) {
        const s = randomSample(h, w, channels, 4);
        const resized = resizeSample(s, { height: oh, width: ow });
        expect([resized.height, resized.width, resized.channels]).toEqual([oh, ow, channels]);
        const expected = await tfResizeBilinear(s, oh, ow);
        const worst = Math.max(...Array.from(resized.image, (v, i) => Math.abs(v - expected[i]!)));
        expect(worst).toBeLessThan(1e-5);
      }
    }
  });

  it('resizes labels by the nearest source pixel floor((2d + 1) in / (2 out)) (exact integers)', () => {
    for (const [h, w, oh, ow] of SIZES) {
      const s = randomSample(h, w, 1, 5);
      const resized = resizeSample(s, { height: oh, width: ow });
      const nearest = (d: number, n: number, out: number) => Math.floor(((2 * d + 1) * n) / (2 * out));
      const expected = Array.from(
        { length: oh * ow },
        (_, i) => s.label[nearest(Math.floor(i / ow), h, oh) * w + nearest(i % ow, w, ow)]!,
      );
      expect([...resized.label]).toEqual(expected);
    }
  });

  it('keeps a constant image constant and, upsampling, the label set', () => {
    const s = sampleOf(new Array(5 * 7 * 3).fill(0.3), [0, 3, 3, 7, 0, ...new Array(30).fill(3)], 5, 7, 3);
    for (const size of [2, 9, { height: 16, width: 3 }]) {
      const resized = resizeSample(s, size);
      for (const v of resized.image) expect(v).toBeCloseTo(0.3, 6);
    }
    const up = resizeSample(s, 32);
    expect(new Set(up.label)).toEqual(new Set([0, 3, 7]));
    const down = resizeSample(s, 3);
    for (const v of down.label) expect([0, 3, 7]).toContain(v);
  });

  it('gives the hand-computed 2 x 2 -> 4 x 4 upsampling', () => {
    // Positions (d + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped: weights 0, 0.25, 0.75, 1
    // on the second row/column. I = [[0, 1], [2, 3]] -> 2 * wy + wx.
    const s = sampleOf([0, 1, 2, 3], [0, 1, 2, 3], 2, 2);
    const resized = resizeSample(s, 4);
    const w = [0, 0.25, 0.75, 1];
    expect([...resized.image]).toEqual(w.flatMap((wy) => w.map((wx) => 2 * wy + wx)));
    expect([...resized.label]).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
  });

  it('returns the sample itself at its own size', () => {
    const s = randomSample(6, 4, 1, 2);
    expect(resizeSample(s, { height: 6, width: 4 })).toBe(s);
    expect(resizeTo({ height: 6, width: 4 })(s, undefined as never)).toBe(s);
  });

  it('rejects sizes that are not positive integers', () => {
    expectError(() => resizeTo(0), ConfigError, /resize: height must be a positive integer, got 0/);
    expectError(
      () => resizeTo({ height: 4, width: 2.5 }),
      ConfigError,
      /resize: width must be a positive integer, got 2.5/,
    );
  });
});
