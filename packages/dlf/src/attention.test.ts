import { ConfigError } from '@befunet/common';
import { WINDOW_ATTENTION_KERNEL } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  closeness,
  expectClose,
  expectNoLeak,
  runOnBackend,
  TOLERANCE,
  testProject,
} from '../../testing/src/index.ts';
import {
  attentionRef,
  linearRef,
  perturbWeights,
  seededValues,
  toRows,
  weightsOf,
} from '../test/reference.js';
import { DlfSelfAttention, multiHeadAttention } from './attention.js';

describe('multiHeadAttention', () => {
  it('matches a naive per-head softmax loop (Nq != Nk, 2 batches)', async () => {
    const [b, nq, nk, c, heads] = [2, 3, 5, 6, 3];
    const q = seededValues(b * nq * c, 1);
    const k = seededValues(b * nk * c, 2);
    const v = seededValues(b * nk * c, 3);
    const y = multiHeadAttention(
      tf.tensor3d(q, [b, nq, c]),
      tf.tensor3d(k, [b, nk, c]),
      tf.tensor3d(v, [b, nk, c]),
      heads,
    );
    expect(y.shape).toEqual([b, nq, c]);
    const expected = [0, 1].flatMap((i) =>
      attentionRef(
        toRows(q, nq, c, i * nq * c),
        toRows(k, nk, c, i * nk * c),
        toRows(v, nk, c, i * nk * c),
        heads,
      ).flat(),
    );
    await expectClose(y, expected, TOLERANCE.op, 'attention');
    // Chunked queries (at most 2 * 3 * 5 * 2 score elements per op: 2 queries a chunk) give the same.
    const chunked = multiHeadAttention(
      tf.tensor3d(q, [b, nq, c]),
      tf.tensor3d(k, [b, nk, c]),
      tf.tensor3d(v, [b, nk, c]),
      heads,
      60,
    );
    await expectClose(chunked, expected, TOLERANCE.op, 'chunked attention');
  });
});

describe('DlfSelfAttention', () => {
  it('matches proj(MHA(x Wq, x Wk, x Wv)) with qkv laid out as [q | k | v]', async () => {
    const [n, c, heads] = [4, 4, 2];
    const attn = new DlfSelfAttention({ dim: c, numHeads: heads, seed: 1 });
    const xs = seededValues(n * c, 7);
    const x = tf.tensor3d(xs, [1, n, c]);
    attn.apply(x);
    perturbWeights(attn);
    const w = await weightsOf(attn);
    const qkv = linearRef(toRows(xs, n, c), w.get('qkv/kernel')!, w.get('qkv/bias')!, 3 * c);
    const part = (p: number) => qkv.map((r) => r.slice(p * c, (p + 1) * c));
    const o = attentionRef(part(0), part(1), part(2), heads);
    const expected = linearRef(o, w.get('proj/kernel')!, w.get('proj/bias')!, c).flat();
    await expectClose(attn.apply(x) as tf.Tensor, expected, TOLERANCE.layer, 'self-attention');
    expect(attn.countParams()).toBe(c * 3 * c + 3 * c + c * c + c);
    await expectNoLeak(() => attn.apply(x));
  });

  it('with head width 4 (one fused kernel on WebGPU) matches the reference, and cpu in its gradients', async () => {
    const [n, c, heads] = [6, 8, 2];
    const xs = seededValues(2 * n * c, 8);
    const run = async () => {
      const attn = new DlfSelfAttention({ dim: c, numHeads: heads, seed: 2 });
      const x = tf.tensor3d(xs, [2, n, c]);
      attn.apply(x);
      perturbWeights(attn);
      const variables = attn.trainableWeights.map((v) => v.read() as tf.Variable);
      const loss = () => tf.sum(tf.square(attn.apply(x) as tf.Tensor)) as tf.Scalar;
      const { grads } = tf.variableGrads(loss, variables);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.square(attn.apply(t) as tf.Tensor)))(x);
      const kernels = (await tf.profile(() => attn.apply(x) as tf.Tensor)).kernels.map((k) => k.name);
      const values = await Promise.all([...variables.map((v) => grads[v.name]!), dx].map((g) => g.data()));
      const w = await weightsOf(attn);
      const rows = (i: number) => toRows(xs, n, c, i * n * c);
      const expected = [0, 1].flatMap((i) => {
        const qkv = linearRef(rows(i), w.get('qkv/kernel')!, w.get('qkv/bias')!, 3 * c);
        const part = (p: number) => qkv.map((r) => r.slice(p * c, (p + 1) * c));
        const o = attentionRef(part(0), part(1), part(2), heads);
        return linearRef(o, w.get('proj/kernel')!, w.get('proj/bias')!, c).flat();
      });
      await expectClose(attn.apply(x) as tf.Tensor, expected, TOLERANCE.layer, 'self-attention');
      tf.dispose([x, dx, ...Object.values(grads)]);
      attn.dispose();
      return { values, kernels };
    };
    const here = await run();
    expect(here.kernels.includes(WINDOW_ATTENTION_KERNEL)).toBe(testProject() === 'webgpu');
    const cpu = await runOnBackend('cpu', run);
    for (const [i, g] of here.values.entries()) {
      expect(closeness(g, cpu.values[i]!, { atol: 1e-4, rtol: 1e-3 }).mismatches, `gradient ${i}`).toBe(0);
    }
  });

  it('rejects heads that do not divide the width', () => {
    expect(() => new DlfSelfAttention({ dim: 6, numHeads: 4 })).toThrow(ConfigError);
    expect(() => new DlfSelfAttention({ dim: 6, numHeads: 4 })).toThrow(/4 heads must divide the width 6/);
  });
});
