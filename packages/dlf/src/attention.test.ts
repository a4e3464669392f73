import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, TOLERANCE } from '../../testing/src/index.ts';
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

  it('rejects heads that do not divide the width', () => {
    expect(() => new DlfSelfAttention({ dim: 6, numHeads: 4 })).toThrow(ConfigError);
    expect(() => new DlfSelfAttention({ dim: 6, numHeads: 4 })).toThrow(/4 heads must divide the width 6/);
  });
});
