import { ConfigError, ShapeError } from '@befunet/common';
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
import { erf, randomArray } from '../test/reference.ts';
import {
  dropPath,
  gelu,
  globalCrossAttention,
  localCrossAttention,
  multiHeadAttention,
} from './attention.js';
import { windowGeometry } from './local-windows.js';

/** Naive multi-head attention in float64: q [Nq, C], k and v [Nk, C]. */
function naiveAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  nq: number,
  nk: number,
  c: number,
  heads: number,
) {
  const d = c / heads;
  const out = new Float64Array(nq * c);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < nq; i++) {
      const logits = Array.from({ length: nk }, (_, j) => {
        let s = 0;
        for (let t = 0; t < d; t++) s += q[i * c + h * d + t]! * k[j * c + h * d + t]!;
        return s / Math.sqrt(d);
      });
      const max = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - max));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < nk; j++)
        for (let t = 0; t < d; t++) out[i * c + h * d + t]! += (e[j]! / z) * v[j * c + h * d + t]!;
    }
  }
  return out;
}

describe('attention maths', () => {
  it('multi-head attention matches a naive loop', async () => {
    const [nq, nk, c, heads] = [5, 7, 6, 3];
    const [q, k, v] = [randomArray(nq * c, 1, 2), randomArray(nk * c, 2, 2), randomArray(nk * c, 3)];
    const out = multiHeadAttention(
      tf.tensor3d(q, [1, nq, c]),
      tf.tensor3d(k, [1, nk, c]),
      tf.tensor3d(v, [1, nk, c]),
      heads,
    );
    await expectClose(out, naiveAttention(q, k, v, nq, nk, c, heads), TOLERANCE.op, 'attention');
    const global = globalCrossAttention(
      tf.tensor3d(q, [1, nq, c]),
      tf.tensor3d(k, [1, nk, c]),
      tf.tensor3d(v, [1, nk, c]),
      heads,
    );
    await expectClose(global, naiveAttention(q, k, v, nq, nk, c, heads), TOLERANCE.op, 'global');
    tf.dispose([out, global]);
  });

  it('never attends padding: changing padded keys, values and queries changes no real output', async () => {
    // Real grid 5x4 padded to 6x6 by 3x3 windows; shifted windows too.
    for (const shift of [
      [0, 0],
      [1, 2],
    ] as [number, number][]) {
      const g = windowGeometry(5, 4, [3, 3], shift);
      const shape: [number, number, number, number] = [2, 6, 6, 4];
      const size = 2 * 6 * 6 * 4;
      const real = tf.tensor4d(
        Float32Array.from({ length: size }, (_, i) => {
          const y = Math.floor(i / 24) % 6;
          const x = Math.floor(i / 4) % 6;
          return y < 5 && x < 4 ? 1 : 0;
        }),
        shape,
      );
      const base = [1, 2, 3].map((s) => tf.tensor4d(randomArray(size, s), shape));
      // Same real tokens, other (large) padding values.
      const changed = base.map((t, s) =>
        tf.add(tf.mul(t, real), tf.mul(tf.sub(1, real), tf.tensor4d(randomArray(size, 10 + s, 50), shape))),
      ) as tf.Tensor4D[];
      const crop = (t: tf.Tensor4D) => tf.slice(t, [0, 0, 0, 0], [2, 5, 4, 4]);
      const a = crop(localCrossAttention(base[0]!, base[1]!, base[2]!, g, 2));
      const b = crop(localCrossAttention(changed[0]!, changed[1]!, changed[2]!, g, 2));
      await expectClose(b, a, TOLERANCE.exact, `real outputs, shift ${shift}`);
      // Sanity: the padded values did change, and real keys do matter.
      const c = crop(localCrossAttention(base[0]!, changed[1]!, base[1]!, g, 2));
      expect(closeness(await c.data(), await a.data(), TOLERANCE.op).mismatches).toBeGreaterThan(0);
      tf.dispose([real, base, changed, a, b, c]);
    }
  });

  it("local attention with head width 4 (one fused kernel on WebGPU) gives cpu's outputs and gradients", async () => {
    // 7x6 grid padded to 9x8 by 3x4 windows shifted by (1, 2), relative bias, 2 heads of 4.
    const g = windowGeometry(7, 6, [3, 4], [1, 2]);
    const shape: [number, number, number, number] = [2, 9, 8, 8];
    const size = 2 * 9 * 8 * 8;
    const run = async () => {
      const [q, k, v] = [1, 2, 3].map((seed) => tf.tensor4d(randomArray(size, seed), shape));
      const bias = tf.tensor3d(randomArray(2 * 12 * 12, 4, 0.5), [2, 12, 12]);
      const weights = tf.tensor4d(randomArray(size, 5), shape);
      const f = (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, bi: tf.Tensor) =>
        localCrossAttention(qi as tf.Tensor4D, ki as tf.Tensor4D, vi as tf.Tensor4D, g, 2, bi as tf.Tensor3D);
      const out = f(q!, k!, v!, bias);
      const grads = tf.grads((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(f(qi, ki, vi, bi), weights)),
      )([q!, k!, v!, bias]);
      const values = await Promise.all([out, ...grads].map((t) => t.data()));
      tf.dispose([q, k, v, bias, weights, out, ...grads]);
      return values;
    };
    const x = tf.tensor4d(randomArray(size, 6), shape);
    const kernels = (await tf.profile(() => localCrossAttention(x, x, x, g, 2))).kernels.map((k) => k.name);
    expect(kernels.includes(WINDOW_ATTENTION_KERNEL)).toBe(testProject() === 'webgpu');
    x.dispose();
    const here = await run();
    const cpu = await runOnBackend('cpu', run);
    for (const [i, what] of ['output', 'dq', 'dk', 'dv', 'dbias'].entries()) {
      expect(closeness(here[i]!, cpu[i]!, { atol: 1e-4, rtol: 1e-3 }).mismatches, what).toBe(0);
    }
  });

  it('rejects mismatched operands', () => {
    const g = windowGeometry(4, 4, [2, 2]);
    const x = tf.zeros([1, 4, 4, 4]) as tf.Tensor4D;
    expect(() => localCrossAttention(x, tf.zeros([1, 4, 4, 2]) as tf.Tensor4D, x, g, 2)).toThrow(ShapeError);
    expect(() =>
      localCrossAttention(
        x,
        x,
        x,
        windowGeometry(3, 3, [2, 2]).paddedH === 4 ? windowGeometry(5, 5, [2, 2]) : g,
        2,
      ),
    ).toThrow(/padded grid 6x6/);
    expect(() => localCrossAttention(x, x, x, g, 3)).toThrow(ConfigError);
    expect(() => localCrossAttention(x, x, x, g, 2, tf.zeros([2, 3, 3]) as tf.Tensor3D)).toThrow(
      /relativeBias must have shape \[2,4,4\]/,
    );
    expect(() =>
      multiHeadAttention(tf.zeros([1, 3, 4]), tf.zeros([2, 3, 4]), tf.zeros([2, 3, 4]), 2),
    ).toThrow(ShapeError);
    x.dispose();
  });

  it('uses the exact (erf) GELU', async () => {
    const xs = [-4, -2.5, -1, -0.3, 0, 0.2, 0.7, 1.5, 3, 6];
    const expected = xs.map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2)));
    await expectClose(gelu(tf.tensor1d(xs)), expected, { atol: 1e-6, rtol: 1e-5 }, 'gelu');
    // The tanh approximation differs by ~1e-4 around |x| = 2: make sure we are not it.
    const tanhGelu = (x: number) =>
      0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expect(Math.abs(tanhGelu(-2.5) - expected[1]!)).toBeGreaterThan(1e-5);
  });

  it('drops whole samples in training, scaling the kept ones', async () => {
    const x = tf.ones([64, 2, 2, 3]);
    expect(dropPath(x, 0.5, false)).toBe(x);
    expect(dropPath(x, 0, true)).toBe(x);
    const y = dropPath(x, 0.25, true, 42);
    const values = await y.data();
    const perSample = Array.from({ length: 64 }, (_, s) => Array.from(values.slice(s * 12, (s + 1) * 12)));
    for (const sample of perSample) expect(new Set(sample).size).toBe(1);
    const kept = perSample.filter((s) => s[0] !== 0);
    for (const s of kept) expect(s[0]).toBeCloseTo(1 / 0.75, 6);
    expect(kept.length).toBeGreaterThan(32);
    expect(kept.length).toBeLessThan(64);
    await expectNoLeak(() => dropPath(x, 0.25, true));
    tf.dispose([x, y]);
  });
});
