import { ConfigError, ShapeError } from '@befunet/common';
import { WINDOW_ATTENTION_KERNEL } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '../../testing/src/index.ts';
import { CYCLIC_SHIFT_KERNEL } from './cyclic-shift.js';
import { dropPath, SwinBlock } from './swin-block.js';

const map = (h: number, w: number, c: number, b = 1) =>
  tf.tensor4d(
    Float32Array.from({ length: b * h * w * c }, (_, i) => Math.sin(0.37 * i)),
    [b, h, w, c],
  );

/** Writes N(mean(k), 0.5) values into weight k of a built block, seeded k + seedOffset. */
function randomizeWeights(block: SwinBlock, mean: (k: number) => number = () => 0, seedOffset = 1): void {
  for (const [k, w] of block.weights.entries()) {
    const t = tf.randomNormal(w.shape as number[], mean(k), 0.5, 'float32', k + seedOffset);
    w.write(t);
    t.dispose();
  }
}

describe('dropPath', () => {
  it('is the identity outside training and drops whole samples, rescaled, in training', async () => {
    const x = tf.ones([2000, 1, 2, 1]);
    expect(dropPath(x, 0.25, false)).toBe(x);
    const y = dropPath(x, 0.25, true, 11);
    const v = await y.data();
    let kept = 0;
    for (let i = 0; i < v.length; i += 2) {
      expect(v[i + 1]).toBe(v[i]); // one decision per sample
      if (v[i]! > 0) {
        kept++;
        expect(v[i]).toBeCloseTo(1 / 0.75, 5);
      } else expect(v[i]).toBe(0);
    }
    expect(kept / 2000).toBeGreaterThan(0.7);
    expect(kept / 2000).toBeLessThan(0.8);
    tf.dispose([x, y]);
  });
});

describe('SwinBlock', () => {
  it('keeps the shape and names its sub-layers as timm does', () => {
    const block = new SwinBlock({ name: 'blk', dim: 8, numHeads: 2, windowSize: 4, shiftSize: 2 });
    const x = map(8, 8, 8, 2);
    const y = block.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 8, 8, 8]);
    expect(block.effectiveWindow).toEqual({ windowSize: 4, shift: 2 });
    expect(block.weights.map((w) => w.originalName)).toEqual([
      'blk/norm1/gamma',
      'blk/norm1/beta',
      'blk/attn/relative_position_bias_table',
      'blk/attn/qkv/kernel',
      'blk/attn/qkv/bias',
      'blk/attn/proj/kernel',
      'blk/attn/proj/bias',
      'blk/norm2/gamma',
      'blk/norm2/beta',
      'blk/mlp/fc1/kernel',
      'blk/mlp/fc1/bias',
      'blk/mlp/fc2/kernel',
      'blk/mlp/fc2/bias',
    ]);
    // LN 16 + table 49*2 + qkv 8*24+24 + proj 72 + LN 16 + fc1 8*32+32 + fc2 32*8+8
    expect(block.countParams()).toBe(16 + 98 + 216 + 72 + 16 + 288 + 264);
    tf.dispose([x, y]);
    block.dispose();
  });

  it('shrinks the window to the grid with no shift when the grid is not larger than the window', () => {
    const block = new SwinBlock({ dim: 4, numHeads: 1, windowSize: 7, shiftSize: 3 });
    const x = map(3, 6, 4);
    tf.dispose(block.apply(x) as tf.Tensor);
    expect(block.effectiveWindow).toEqual({ windowSize: 3, shift: 0 });
    expect(block.weights.find((w) => w.originalName.endsWith('relative_position_bias_table'))!.shape).toEqual(
      [25, 1],
    );
    x.dispose();
    block.dispose();
  });

  it('pads grids the window does not divide, masks the padding and crops back', () => {
    const block = new SwinBlock({ dim: 4, numHeads: 1, windowSize: 4, shiftSize: 2 });
    const x = map(10, 6, 4);
    const y = block.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 10, 6, 4]);
    expect(block.effectiveWindow).toEqual({ windowSize: 4, shift: 2 });
    tf.dispose([x, y]);
    const built = new SwinBlock({ dim: 4, numHeads: 1, windowSize: 4 });
    tf.dispose(built.apply(map(8, 8, 4)) as tf.Tensor);
    expect(() => built.apply(map(2, 8, 4))).toThrow(ShapeError); // needs window 2
    expect(() => built.apply(map(2, 8, 4))).toThrow(/built for window 4/);
    expect(() => built.apply(map(8, 8, 5))).toThrow(/channels/);
    block.dispose();
    built.dispose();
  });

  for (const c of [
    { h: 6, w: 6, m: 3, s: 1, what: 'shifted, divisible' },
    { h: 5, w: 7, m: 3, s: 1, what: 'shifted, padded' },
    { h: 7, w: 5, m: 3, s: 0, what: 'regular, padded' },
    { h: 4, w: 5, m: 7, s: 3, what: 'window shrunk to 4, padded' },
    // Head width 4: on WebGPU inference runs the grid kernel (fusedGridWindowAttention).
    { h: 6, w: 9, m: 3, s: 1, dim: 8, what: 'shifted, divisible, head width 4' },
    { h: 5, w: 7, m: 3, s: 1, dim: 8, what: 'shifted, padded, head width 4' },
  ] as { h: number; w: number; m: number; s: number; dim?: number; what: string }[]) {
    it(`matches a naive token-by-token reference (${c.h}x${c.w}, window ${c.m}, shift ${c.s}: ${c.what})`, async () => {
      const block = new SwinBlock({
        name: 'blk_ref',
        dim: c.dim ?? 4,
        numHeads: 2,
        windowSize: c.m,
        shiftSize: c.s,
        mlpRatio: 2,
      });
      const x = map(c.h, c.w, c.dim ?? 4, 2);
      tf.dispose(block.apply(x) as tf.Tensor);
      randomizeWeights(block, (k) => (k % 4 === 0 ? 1 : 0), 3);
      const expected = await naiveBlock(block, (await x.data()) as Float32Array, 2, c.h, c.w);
      await expectClose(block.apply(x) as tf.Tensor, expected, { atol: 2e-5, rtol: 1e-4 }, c.what);
      x.dispose();
      block.dispose();
    });
  }

  it('on WebGPU, attends on the grid in inference and training: no shift or window copies', async () => {
    const block = new SwinBlock({ dim: 8, numHeads: 2, windowSize: 2, shiftSize: 1 });
    const x = map(4, 6, 8, 2);
    tf.dispose(block.apply(x) as tf.Tensor);
    const names = async (training: boolean) =>
      (await tf.profile(() => block.apply(x, { training }) as tf.Tensor)).kernels.map((k) => k.name);
    const inference = await names(false);
    console.log('NAMES', inference.join(','));
    const fused = tf.getBackend() === 'webgpu';
    expect(inference.includes(WINDOW_ATTENTION_KERNEL)).toBe(fused);
    expect(inference.includes('Transpose') || inference.includes(CYCLIC_SHIFT_KERNEL)).toBe(!fused);
    // Training too (with the kernel's gradient); elsewhere the ops with their softmax.
    const training = await names(true);
    expect(training.includes(WINDOW_ATTENTION_KERNEL)).toBe(fused);
    expect(training.includes(CYCLIC_SHIFT_KERNEL) || training.includes('Softmax')).toBe(!fused);
    x.dispose();
    block.dispose();
  });

  it('gives the same training gradients of every weight and the input as cpu (head width 4, shifted)', async () => {
    const gradients = async () => {
      const block = new SwinBlock({ dim: 8, numHeads: 2, windowSize: 2, shiftSize: 1, name: 'blk_grad' });
      const x = map(4, 6, 8, 2);
      tf.dispose(block.apply(x) as tf.Tensor);
      randomizeWeights(block);
      const weights = tf.randomNormal([2, 4, 6, 8], 0, 1, 'float32', 99);
      const variables = block.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(block.apply(x, { training: true }) as tf.Tensor, weights)) as tf.Scalar,
        variables,
      );
      const dx = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(block.apply(t, { training: true }) as tf.Tensor, weights)),
      )(x);
      const values = [...variables.map((v) => grads[v.name]!), dx];
      const arrays = await Promise.all(values.map((g) => g.data()));
      tf.dispose([x, weights, dx, ...Object.values(grads)]);
      block.dispose();
      return arrays;
    };
    const here = await gradients();
    const cpu = await runOnBackend('cpu', gradients);
    expect(here).toHaveLength(cpu.length);
    for (const [i, g] of here.entries()) {
      expect(closeness(g, cpu[i]!, { atol: 1e-4, rtol: 1e-3 }).mismatches, `gradient ${i}`).toBe(0);
    }
  });

  it('rejects inconsistent arguments', () => {
    expect(() => new SwinBlock({ dim: 4, numHeads: 1, windowSize: 4, shiftSize: 4 })).toThrow(ConfigError);
    expect(() => new SwinBlock({ dim: 4, numHeads: 3 })).toThrow(ConfigError);
    expect(() => new SwinBlock({ dim: 4, numHeads: 1, dropPath: 1 })).toThrow(ConfigError);
  });

  it('is deterministic in inference and applies drop-path only in training', async () => {
    const block = new SwinBlock({ dim: 4, numHeads: 1, windowSize: 2, shiftSize: 1, dropPath: 0.5 });
    const x = map(4, 4, 4, 8);
    const a = block.apply(x) as tf.Tensor;
    const b = block.apply(x) as tf.Tensor;
    await expectClose(a, b, TOLERANCE.exact, 'inference twice');
    const t = block.apply(x, { training: true }) as tf.Tensor;
    expect(closeness(await t.data(), await a.data(), TOLERANCE.op).mismatches).toBeGreaterThan(0);
    tf.dispose([x, a, b, t]);
    block.dispose();
  });

  it('leaks no tensors and agrees with cpu (shifted windows)', async () => {
    const make = () => {
      const block = new SwinBlock({ dim: 4, numHeads: 2, windowSize: 2, shiftSize: 1, name: 'blk_cmp' });
      const x = map(4, 6, 4, 2);
      tf.dispose(block.apply(x) as tf.Tensor);
      randomizeWeights(block);
      return { block, x };
    };
    const { block, x } = make();
    await expectNoLeak(() => block.apply(x));
    tf.dispose(x);
    block.dispose();
    const forward = async () => {
      const m = make();
      const y = m.block.apply(m.x) as tf.Tensor;
      const v = await y.data();
      tf.dispose([m.x, y]);
      m.block.dispose();
      return v;
    };
    const here = await forward();
    const cpu = await runOnBackend('cpu', forward);
    expect(closeness(here, cpu, TOLERANCE.op).mismatches).toBe(0);
  });
});

/** erf to ~1e-7 (Abramowitz and Stegun 7.1.26). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/**
 * A Swin block computed token by token from its definition, without windows tensors or rolls: each
 * real token attends to the real tokens of its (shifted) window and shift region, with the relative
 * bias of their offset inside the window (BEFUNET.md section 3), then the MLP.
 */
async function naiveBlock(
  block: SwinBlock,
  x: Float32Array,
  batch: number,
  h: number,
  w: number,
): Promise<Float32Array> {
  const get = async (suffix: string) =>
    (await block.weights
      .find((v) => v.originalName.endsWith(suffix))!
      .read()
      .data()) as Float32Array;
  const [g1, b1, table, wqkv, bqkv, wp, bp, g2, b2, wf1, bf1, wf2, bf2] = await Promise.all(
    [
      'norm1/gamma',
      'norm1/beta',
      'relative_position_bias_table',
      'qkv/kernel',
      'qkv/bias',
      'proj/kernel',
      'proj/bias',
      'norm2/gamma',
      'norm2/beta',
      'fc1/kernel',
      'fc1/bias',
      'fc2/kernel',
      'fc2/bias',
    ].map(get),
  );
  const C = block.dim;
  const heads = block.numHeads;
  const d = C / heads;
  const hidden = bf1!.length;
  const { windowSize: m } = block.effectiveWindow;
  const s = Math.min(h, w) <= block.windowSize ? 0 : block.shiftSize;
  const hp = Math.ceil(h / m) * m;
  const wpad = Math.ceil(w / m) * m;
  const layerNorm = (v: number[], g: Float32Array, b: Float32Array) => {
    const mean = v.reduce((a, c) => a + c, 0) / v.length;
    const variance = v.reduce((a, c) => a + (c - mean) ** 2, 0) / v.length;
    return v.map((c, i) => ((c - mean) / Math.sqrt(variance + 1e-5)) * g[i]! + b[i]!);
  };
  const linear = (v: number[], k: Float32Array, bias: Float32Array, out: number) =>
    Array.from({ length: out }, (_, o) => v.reduce((a, c, i) => a + c * k[i * out + o]!, bias[o]!));
  const region = (i: number, size: number) => (s === 0 ? 0 : i < size - m ? 0 : i < size - s ? 1 : 2);
  const out = new Float32Array(x.length);
  for (let b = 0; b < batch; b++) {
    const tok = (r: number, c: number) =>
      Array.from(x.subarray(((b * h + r) * w + c) * C, ((b * h + r) * w + c + 1) * C));
    const info = (r: number, c: number) => {
      const rs = (((r - s) % hp) + hp) % hp; // position in the shifted grid
      const cs = (((c - s) % wpad) + wpad) % wpad;
      return {
        win: `${Math.floor(rs / m)},${Math.floor(cs / m)}`,
        reg: region(rs, hp) * 3 + region(cs, wpad),
        ih: rs % m,
        iw: cs % m,
      };
    };
    const qkv = new Map<string, number[]>();
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++)
        qkv.set(`${r},${c}`, linear(layerNorm(tok(r, c), g1!, b1!), wqkv!, bqkv!, 3 * C));
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const qi = info(r, c);
        const keys: { k: number[]; ih: number; iw: number }[] = [];
        for (let r2 = 0; r2 < h; r2++)
          for (let c2 = 0; c2 < w; c2++) {
            const ki = info(r2, c2);
            if (ki.win === qi.win && ki.reg === qi.reg)
              keys.push({ k: qkv.get(`${r2},${c2}`)!, ih: ki.ih, iw: ki.iw });
          }
        const q = qkv.get(`${r},${c}`)!;
        const merged: number[] = [];
        for (let hd = 0; hd < heads; hd++) {
          const logits = keys.map(({ k, ih, iw }) => {
            let dot = 0;
            for (let e = 0; e < d; e++) dot += q[hd * d + e]! * k[C + hd * d + e]!;
            const idx = (qi.ih - ih + m - 1) * (2 * m - 1) + (qi.iw - iw + m - 1);
            return dot / Math.sqrt(d) + table![idx * heads + hd]!;
          });
          const mx = Math.max(...logits);
          const ex = logits.map((l) => Math.exp(l - mx));
          const z = ex.reduce((a, v) => a + v, 0);
          for (let e = 0; e < d; e++)
            merged.push(keys.reduce((a, { k }, j) => a + (ex[j]! / z) * k[2 * C + hd * d + e]!, 0));
        }
        const attn = linear(merged, wp!, bp!, C);
        const z1 = tok(r, c).map((v, i) => v + attn[i]!);
        const hid = linear(layerNorm(z1, g2!, b2!), wf1!, bf1!, hidden).map(
          (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
        );
        const mlp = linear(hid, wf2!, bf2!, C);
        for (let i = 0; i < C; i++) out[((b * h + r) * w + c) * C + i] = z1[i]! + mlp[i]!;
      }
    }
  }
  return out;
}
