import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '../../testing/src/index.ts';
import { WindowAttention } from './window-attention.js';

const BW = 2;
const N = 4; // window 2
const C = 4;
const HEADS = 2;
const input = () =>
  tf.tensor3d(
    Float32Array.from({ length: BW * N * C }, (_, i) => Math.sin(1.3 * i)),
    [BW, N, C],
  );
const mask = () => {
  const v = new Float32Array(2 * N * N);
  v[1] = -100; // window 0: query 0 may not see key 1
  v[N * N + 2 * N + 3] = -100; // window 1: query 2 may not see key 3
  return tf.tensor3d(v, [2, N, N]);
};

/** Naive per-window, per-head loops (independent of the layer's batched formulation). */
async function naive(layer: WindowAttention, x: Float32Array, m: Float32Array | null): Promise<Float32Array> {
  const get = async (suffix: string) =>
    (await layer.weights
      .find((w) => w.originalName.endsWith(suffix))!
      .read()
      .data()) as Float32Array;
  const [wqkv, bqkv, wp, bp, table] = await Promise.all(
    ['qkv/kernel', 'qkv/bias', 'proj/kernel', 'proj/bias', 'relative_position_bias_table'].map(get),
  );
  const d = C / HEADS;
  const out = new Float32Array(BW * N * C);
  for (let b = 0; b < BW; b++) {
    const qkv = (t: number, o: number) => {
      let s = bqkv![o]!;
      for (let i = 0; i < C; i++) s += x[(b * N + t) * C + i]! * wqkv![i * 3 * C + o]!;
      return s;
    };
    const merged = new Float32Array(N * C);
    for (let h = 0; h < HEADS; h++) {
      for (let i = 0; i < N; i++) {
        const logits: number[] = [];
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let e = 0; e < d; e++) s += qkv(i, h * d + e) * qkv(j, C + h * d + e);
          const [hi, wi, hj, wj] = [Math.floor(i / 2), i % 2, Math.floor(j / 2), j % 2];
          s = s / Math.sqrt(d) + table![((hi - hj + 1) * 3 + (wi - wj + 1)) * HEADS + h]!;
          if (m) s += m[(b % 2) * N * N + i * N + j]!;
          logits.push(s);
        }
        const mx = Math.max(...logits);
        const ex = logits.map((l) => Math.exp(l - mx));
        const z = ex.reduce((a, c) => a + c, 0);
        for (let e = 0; e < d; e++) {
          let s = 0;
          for (let j = 0; j < N; j++) s += (ex[j]! / z) * qkv(j, 2 * C + h * d + e);
          merged[i * C + h * d + e] = s;
        }
      }
    }
    for (let i = 0; i < N; i++)
      for (let o = 0; o < C; o++) {
        let s = bp![o]!;
        for (let k = 0; k < C; k++) s += merged[i * C + k]! * wp![k * C + o]!;
        out[(b * N + i) * C + o] = s;
      }
  }
  return out;
}

function makeLayer() {
  const layer = new WindowAttention({ name: 'attn', dim: C, numHeads: HEADS });
  const x = input();
  tf.dispose(layer.apply(x) as tf.Tensor);
  x.dispose();
  return layer;
}

/** Non-trivial, deterministic weights (the default table init is near zero). */
function setWeights(layer: WindowAttention) {
  for (const [k, w] of layer.weights.entries()) {
    const size = w.shape.reduce((a, b) => a! * b!, 1)!;
    const t = tf.tensor(
      Float32Array.from({ length: size }, (_, i) => 0.5 * Math.cos(0.7 * i + k)),
      w.shape as number[],
    );
    w.write(t);
    t.dispose();
  }
}

describe('WindowAttention', () => {
  it('matches a naive loop with relative bias, with and without mask', async () => {
    const layer = makeLayer();
    setWeights(layer);
    const x = input();
    const xv = (await x.data()) as Float32Array;
    await expectClose(layer.apply(x) as tf.Tensor, await naive(layer, xv, null), TOLERANCE.op, 'unmasked');
    const m = mask();
    const y = layer.apply(x, { mask: m }) as tf.Tensor;
    await expectClose(y, await naive(layer, xv, (await m.data()) as Float32Array), TOLERANCE.op, 'masked');
    tf.dispose([x, m, y]);
    layer.dispose();
  });

  it('has a (2M-1)^2 x heads bias table and timm sub-layer names', () => {
    const layer = makeLayer();
    const names = layer.weights.map((w) => `${w.originalName}:${w.shape.join('x')}`);
    expect(names).toEqual([
      'attn/relative_position_bias_table:9x2',
      'attn/qkv/kernel:4x12',
      'attn/qkv/bias:12',
      'attn/proj/kernel:4x4',
      'attn/proj/bias:4',
    ]);
    expect(layer.countParams()).toBe(18 + 60 + 20);
    layer.dispose();
  });

  it('omits the qkv bias when asked', () => {
    const layer = new WindowAttention({ dim: C, numHeads: HEADS, qkvBias: false });
    tf.dispose(layer.apply(tf.zeros([1, N, C])) as tf.Tensor);
    expect(layer.weights.some((w) => w.originalName.endsWith('qkv/bias'))).toBe(false);
    layer.dispose();
  });

  it('leaks no tensors', async () => {
    const layer = makeLayer();
    const x = input();
    const m = mask();
    await expectNoLeak(() => layer.apply(x, { mask: m }));
    tf.dispose([x, m]);
    layer.dispose();
  });

  it('rejects bad arguments and inputs with typed errors', () => {
    expect(() => new WindowAttention({ dim: 6, numHeads: 4 })).toThrow(ConfigError);
    const layer = new WindowAttention({ dim: C, numHeads: HEADS });
    expect(() => layer.apply(tf.zeros([1, 5, C]))).toThrow(/square token count/);
    expect(() => layer.apply(tf.zeros([1, N, 8]))).toThrow(ShapeError);
    const x = input();
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(() => layer.apply(x, { mask: tf.zeros([3, N, N]) })).toThrow(/mask/);
    x.dispose();
    layer.dispose();
  });

  it('gives the same result on this backend as on cpu', async () => {
    const forward = async () => {
      const layer = makeLayer();
      setWeights(layer);
      const x = input();
      const m = mask();
      const y = layer.apply(x, { mask: m }) as tf.Tensor;
      const v = await y.data();
      tf.dispose([x, m, y]);
      layer.dispose();
      return v;
    };
    const here = await forward();
    const cpu = await runOnBackend('cpu', forward);
    expect(closeness(here, cpu, TOLERANCE.op).mismatches).toBe(0);
  });
});
