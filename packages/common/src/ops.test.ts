import { GELU_GRAD_KERNEL, GELU_KERNEL, gelu } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE, testProject } from '../../testing/src/index.ts';
import { dropPath } from './drop-path.js';

/** x * Phi(x) in float64, Phi from Simpson's rule on the normal density (independent of any erf). */
function geluReference(x: number): number {
  const n = 2000;
  const lo = Math.min(x, -10);
  const h = (x - lo) / n;
  const density = (t: number) => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
  let s = density(lo) + density(x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * density(lo + i * h);
  return x * ((s * h) / 3);
}

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

  // 24 values in rows of 4 take the vec4 path of the WebGPU kernel, rows of 3 the scalar one.
  it.each([[[6, 4]], [[8, 3]]])(
    'matches x * Phi(x) on %j values from -6 to 6, and its gradient Phi(x) + x phi(x)',
    async (shape) => {
      const values = Array.from({ length: 24 }, (_, i) => -6 + (12 * i) / 23);
      const x = tf.tensor(values, shape);
      await expectClose(gelu(x), values.map(geluReference), { atol: 1e-6, rtol: 1e-5 }, 'gelu');
      const dx = tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x);
      const slope = (v: number) => (geluReference(v + 1e-4) - geluReference(v - 1e-4)) / 2e-4;
      await expectClose(dx, values.map(slope), { atol: 1e-5, rtol: 1e-4 }, 'gelu gradient');
    },
  );

  it.runIf(testProject() === 'webgpu')('is one kernel on WebGPU, and so is its gradient', async () => {
    const profile = await tf.profile(() => gelu(tf.ones([3, 8])));
    expect(profile.kernels.map((k) => k.name).filter(Boolean)).toEqual([GELU_KERNEL]);
    const x = tf.ones([3, 8]);
    const dy = tf.ones([3, 8]);
    const backward = await tf.profile(() => tf.grad((t: tf.Tensor) => gelu(t))(x, dy));
    expect(
      backward.kernels.map((k) => k.name).filter((n) => n && n !== 'forward' && n !== 'Identity'),
    ).toEqual([GELU_KERNEL, GELU_GRAD_KERNEL]);
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
