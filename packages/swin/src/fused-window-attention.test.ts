import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE, testProject } from '../../testing/src/index.ts';
import {
  canFuseWindowAttention,
  fusedWindowAttention,
  WINDOW_ATTENTION_KERNEL,
} from './fused-window-attention.js';
import { windowAttentionScores } from './window-attention.js';

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

  it('is one kernel, and is not used where d does not divide by 4', async () => {
    const qkv = tf.ones([2, 9, 24]) as tf.Tensor3D;
    const profile = await tf.profile(() =>
      fusedWindowAttention(qkv, tf.zeros([2, 9, 9]) as tf.Tensor3D, null, 2),
    );
    expect(profile.kernels.map((k) => k.name)).toEqual([WINDOW_ATTENTION_KERNEL]);
    expect(canFuseWindowAttention(tf.ones([2, 9, 18]), 2)).toBe(false);
  });
});
