import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE } from '../../testing/src/index.ts';
import { dropPath } from './drop-path.js';
import { gelu } from './gelu.js';

describe('gelu', () => {
  it('is the exact erf form (values of x * Phi(x) from the normal CDF)', async () => {
    // Phi(1) = 0.841344746, Phi(-0.5) = 0.308537539, Phi(2) = 0.977249868.
    await expectClose(
      gelu(tf.tensor1d([0, 1, -0.5, 2])),
      [0, 0.841344746, -0.15426877, 1.954499736],
      TOLERANCE.op,
      'gelu',
    );
  });
});

describe('dropPath', () => {
  it('is the identity outside training or at rate 0', () => {
    const x = tf.ones([4, 3]);
    expect(dropPath(x, 0.5, false)).toBe(x);
    expect(dropPath(x, 0, true)).toBe(x);
  });

  it('zeroes whole samples or scales them by 1 / (1 - rate) in training', async () => {
    const y = dropPath(tf.ones([64, 2, 2]), 0.25, true, 7);
    const values = await y.data();
    const perSample = Array.from({ length: 64 }, (_, i) => values.slice(4 * i, 4 * i + 4));
    for (const s of perSample) expect(new Set(s).size).toBe(1);
    const kept = perSample.filter((s) => s[0] !== 0);
    for (const s of kept) expect(s[0]).toBeCloseTo(1 / 0.75, 6);
    expect(kept.length).toBeGreaterThan(30);
    expect(kept.length).toBeLessThan(64);
  });
});
