import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resizeBilinear } from './resize.js';

/** TF.js's resizeBilinear with half-pixel centres on the cpu backend: the independent reference. */
async function tfResize(data: Float32Array, shape: [number, number, number], out: [number, number]) {
  await tf.setBackend('cpu');
  const resized = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(data, shape), out, false, true));
  const values = await resized.data();
  resized.dispose();
  return values;
}

describe('resizeBilinear', () => {
  const cases: { from: [number, number, number]; to: [number, number] }[] = [
    { from: [128, 128, 1], to: [32, 32] },
    { from: [7, 5, 3], to: [16, 11] },
    { from: [40, 64, 1], to: [32, 32] },
  ];
  for (const { from, to } of cases) {
    it(`matches tf.image.resizeBilinear(halfPixelCenters) from ${from} to ${to}`, async () => {
      let seed = 1;
      const data = Float32Array.from({ length: from[0] * from[1] * from[2] }, () => {
        seed = (seed * 48271) % 2147483647;
        return seed / 2147483647;
      });
      const expected = await tfResize(data, from, to);
      const actual = resizeBilinear(data, from, to);
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 5);
    });
  }
});
