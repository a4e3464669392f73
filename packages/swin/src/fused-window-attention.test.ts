import { ShapeError } from '@befunet/common';
import {
  canFuseWindowAttention,
  fusedGridWindowAttention,
  fusedWindowAttention,
  WINDOW_ATTENTION_KERNEL,
} from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE, testProject } from '../../testing/src/index.ts';
import { roll } from './cyclic-shift.js';
import { windowAttentionScores } from './window-attention.js';
import { windowAttentionMask, windowPartition, windowReverse } from './windows.js';

/** The TF.js-ops path of WindowAttention from the qkv projection: [Bw, N, C], heads merged. */
function composite(qkv: tf.Tensor3D, bias: tf.Tensor3D, mask: tf.Tensor | null, heads: number): tf.Tensor {
  const [bw, n, c3] = qkv.shape;
  const c = c3 / 3;
  const parts = tf.transpose(tf.reshape(qkv, [bw, n, 3, heads, c / heads]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.unstack(parts, 0) as tf.Tensor4D[];
  const out = windowAttentionScores(q!, k!, v!, bias, mask);
  return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [bw, n, c]);
}

describe.runIf(testProject() === 'webgpu')('fusedWindowAttention', () => {
  it.each([
    ['3 heads of 8, 49 tokens, with a mask of 2 windows', 4, 49, 3, 8, 2],
    ['2 heads of 4, 9 tokens, no mask', 3, 9, 2, 4, 0],
    ['1 head of 32, 16 tokens, with a mask of 1 window', 2, 16, 1, 32, 1],
  ])('equals the TF.js ops: %s', async (_, bw, n, heads, d, maskWindows) => {
    const c = heads * d;
    const qkv = tf.randomNormal([bw, n, 3 * c], 0, 1, 'float32', 1) as tf.Tensor3D;
    const bias = tf.randomNormal([heads, n, n], 0, 0.5, 'float32', 2) as tf.Tensor3D;
    // The official mask: 0 or -100.
    const mask = maskWindows
      ? tf.mul(
          tf.cast(tf.greater(tf.randomUniform([maskWindows, n, n], 0, 1, 'float32', 3), 0.7), 'float32'),
          -100,
        )
      : null;
    expect(canFuseWindowAttention(qkv, heads)).toBe(true);
    const fused = fusedWindowAttention(qkv, bias, mask, heads);
    expect(fused.shape).toEqual([bw, n, c]);
    await expectClose(fused, composite(qkv, bias, mask, heads), TOLERANCE.op, 'attention');
  });

  it.each([
    ['2 images, 8x12 grid, windows of 4 shifted by 2, 2 heads of 4', 2, 8, 12, 4, 2, 2, 4],
    ['1 image, 14x14 grid, windows of 7 shifted by 3, 3 heads of 8', 1, 14, 14, 7, 3, 3, 8],
    ['2 images, 6x6 grid, windows of 3, no shift, 1 head of 4', 2, 6, 6, 3, 0, 1, 4],
  ])(
    'on the grid equals shift, partition, attention, reverse, shift back, gradients too: %s',
    async (_, b, h, w, m, shift, heads, d) => {
      const c = heads * d;
      const n = m * m;
      const qkv = tf.randomNormal([b, h, w, 3 * c], 0, 1, 'float32', 4) as tf.Tensor4D;
      const bias = tf.randomNormal([heads, n, n], 0, 0.5, 'float32', 5) as tf.Tensor3D;
      const found = windowAttentionMask(h, w, m, shift);
      const mask = found && tf.tensor3d(found.mask, [found.mask.length / (n * n), n, n]);
      // The windows path of the Swin block, by TF.js ops.
      const byOps = (qkvIn: tf.Tensor, biasIn: tf.Tensor) => {
        const shifted = roll(roll(qkvIn as tf.Tensor4D, -shift, 1), -shift, 2);
        const windows = tf.reshape(windowPartition(shifted, m), [-1, n, 3 * c]) as tf.Tensor3D;
        const attended = composite(windows, biasIn as tf.Tensor3D, mask, heads);
        const grid = windowReverse(tf.reshape(attended, [-1, m, m, c]) as tf.Tensor4D, m, h, w);
        return roll(roll(grid, shift, 1), shift, 2);
      };
      const byKernel = (qkvIn: tf.Tensor, biasIn: tf.Tensor) =>
        fusedGridWindowAttention(qkvIn as tf.Tensor4D, biasIn as tf.Tensor3D, mask, heads, m, shift);
      const fused = byKernel(qkv, bias);
      expect(fused.shape).toEqual([b, h, w, c]);
      await expectClose(fused, byOps(qkv, bias), TOLERANCE.op, 'grid attention');
      // Gradients of sum(out * weights), weights random so that every output counts differently.
      const weights = tf.randomNormal([b, h, w, c], 0, 1, 'float32', 6);
      const gradients = (f: (q: tf.Tensor, bi: tf.Tensor) => tf.Tensor) =>
        tf.grads((q: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(q, bi), weights)))([qkv, bias]);
      const [dqkv, dbias] = gradients(byKernel);
      const [dqkvOps, dbiasOps] = gradients(byOps);
      await expectClose(dqkv!, dqkvOps!, { atol: 1e-4, rtol: 1e-3 }, 'd qkv');
      await expectClose(dbias!, dbiasOps!, { atol: 1e-4, rtol: 1e-3 }, 'd bias');
    },
  );

  it('on the grid takes rectangular windows, a shift per axis and no bias (forward and qkv gradient)', async () => {
    const [b, h, w, wh, ww, sh, sw, heads, d] = [2, 6, 8, 3, 4, 1, 2, 2, 4];
    const c = heads * d;
    const n = wh * ww;
    const qkv = tf.randomNormal([b, h, w, 3 * c], 0, 1, 'float32', 7) as tf.Tensor4D;
    const mask = tf.mul(
      tf.cast(tf.greater(tf.randomUniform([(h / wh) * (w / ww), n, n], 0, 1, 'float32', 8), 0.7), 'float32'),
      -100,
    ) as tf.Tensor3D;
    // By TF.js ops: roll each axis, cut rectangular windows, attend with a zero bias, put back.
    const byOps = (x: tf.Tensor) => {
      const shifted = roll(roll(x as tf.Tensor4D, -sh, 1), -sw, 2);
      const cut = tf.reshape(
        tf.transpose(tf.reshape(shifted, [b, h / wh, wh, w / ww, ww, 3 * c]), [0, 1, 3, 2, 4, 5]),
        [-1, n, 3 * c],
      ) as tf.Tensor3D;
      const attended = composite(cut, tf.zeros([heads, n, n]) as tf.Tensor3D, mask, heads);
      const grid = tf.reshape(
        tf.transpose(tf.reshape(attended, [b, h / wh, w / ww, wh, ww, c]), [0, 1, 3, 2, 4, 5]),
        [b, h, w, c],
      );
      return roll(roll(grid as tf.Tensor4D, sh, 1), sw, 2);
    };
    const byKernel = (x: tf.Tensor) =>
      fusedGridWindowAttention(x as tf.Tensor4D, null, mask, heads, [wh, ww], [sh, sw]);
    await expectClose(byKernel(qkv), byOps(qkv), TOLERANCE.op, 'rectangular windows');
    const weights = tf.randomNormal([b, h, w, c], 0, 1, 'float32', 9);
    const gradient = (f: (x: tf.Tensor) => tf.Tensor) =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x), weights)))(qkv);
    await expectClose(gradient(byKernel), gradient(byOps), { atol: 1e-4, rtol: 1e-3 }, 'd qkv');
  });

  it('on the grid names a grid the windows do not tile, a bad shift, bias or mask', () => {
    const qkv = tf.zeros([1, 8, 8, 24]) as tf.Tensor4D;
    const bias = tf.zeros([2, 16, 16]) as tf.Tensor3D;
    expect(() => fusedGridWindowAttention(qkv, bias, null, 2, 3, 0)).toThrow(/8x8 .* 3x3 windows/);
    expect(() => fusedGridWindowAttention(qkv, bias, null, 2, 4, 4)).toThrow(ShapeError);
    expect(() => fusedGridWindowAttention(qkv, tf.zeros([2, 9, 9]) as tf.Tensor3D, null, 2, 4, 0)).toThrow(
      /bias must be \[2, 16, 16\]/,
    );
    expect(() => fusedGridWindowAttention(qkv, bias, tf.zeros([3, 16, 16]) as tf.Tensor3D, 2, 4, 2)).toThrow(
      /mask must be \[4, 16, 16\]/,
    );
  });

  it('is one kernel, and is not used where d does not divide by 4', async () => {
    const qkv = tf.ones([2, 9, 24]) as tf.Tensor3D;
    const profile = await tf.profile(() =>
      fusedWindowAttention(qkv, tf.zeros([2, 9, 9]) as tf.Tensor3D, null, 2),
    );
    // (tf.profile also lists the custom-gradient wrapper, with an empty name.)
    expect(profile.kernels.map((k) => k.name).filter(Boolean)).toEqual([WINDOW_ATTENTION_KERNEL]);
    expect(canFuseWindowAttention(tf.ones([2, 9, 18]), 2)).toBe(false);
  });
});
