import { ConfigError, ShapeError } from '@befunet/common';
import {
  closeness,
  expectClose,
  expectNoLeak,
  fixtureTensor,
  loadFixture,
  nchwToNhwc,
  runOnBackend,
  TOLERANCE,
} from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDC_FORMS, PDC_OPS, type PdcOp, pdcConv2d, pdcKernelToVanilla, vanillaConv2d } from './pdc-ops.js';

const fixture = () => loadFixture('official/pdc_ops.safetensors');
/** PyTorch depthwise weight [C,1,kh,kw] -> TF.js [kh,kw,C,1]. */
const depthwiseFromTorch = (w: tf.Tensor) => tf.transpose(w as tf.Tensor4D, [2, 3, 0, 1]);
/** PyTorch conv weight [out,in,kh,kw] -> TF.js [kh,kw,in,out]. */
const convFromTorch = (w: tf.Tensor) => tf.transpose(w as tf.Tensor4D, [2, 3, 1, 0]);

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/**
 * Naive reference written from the PiDiNet definitions: the vanilla kernel of each op by hand, then a
 * direct loop conv with PyTorch's zero padding, stride and dilation. x NHWC, kernel [3,3,in,out|mult].
 */
function naivePdc(
  x: Float32Array,
  [n, h, w, c]: [number, number, number, number],
  k: Float32Array,
  cout: number,
  op: PdcOp,
  { stride = 1, dilation = 1, depthwise = false } = {},
): { data: Float32Array; shape: number[] } {
  const tap = (t: number, i: number, o: number) => k[(t * c + i) * cout + o]!;
  // vanilla(py, px, i, o) over a kv x kv grid.
  const kv = op === 'rd' ? 5 : 3;
  const vanilla = (py: number, px: number, i: number, o: number): number => {
    if (op === 'rd') {
      const ry = py - 2;
      const rx = px - 2;
      if (ry === 0 && rx === 0) return 0;
      const ring = Math.max(Math.abs(ry), Math.abs(rx));
      if ((ry !== 0 && rx !== 0 && Math.abs(ry) !== Math.abs(rx)) || ring === 0) return 0;
      const dy = Math.sign(ry);
      const dx = Math.sign(rx);
      const order = ['-1,-1', '-1,0', '-1,1', '0,-1', '0,1', '1,-1', '1,0', '1,1'];
      const t = order.indexOf(`${dy},${dx}`) + 1;
      return ring === 2 ? tap(t, i, o) : -tap(t, i, o);
    }
    const t = py * 3 + px;
    if (op === 'cv') return tap(t, i, o);
    if (op === 'cd') {
      if (t !== 4) return tap(t, i, o);
      let sum = 0;
      for (let u = 0; u < 9; u++) sum += tap(u, i, o);
      return tap(4, i, o) - sum;
    }
    // ad: w_j - w_(clockwise predecessor of j); the centre is 0.
    if (t === 4) return 0;
    const ring = [0, 1, 2, 5, 8, 7, 6, 3];
    const pos = ring.indexOf(t);
    return tap(t, i, o) - tap(ring[(pos + 7) % 8]!, i, o);
  };
  const pad = ((kv - 1) / 2) * dilation;
  const ho = Math.floor((h + 2 * pad - dilation * (kv - 1) - 1) / stride) + 1;
  const wo = Math.floor((w + 2 * pad - dilation * (kv - 1) - 1) / stride) + 1;
  const outC = depthwise ? c * cout : cout;
  const data = new Float32Array(n * ho * wo * outC);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let oc = 0; oc < outC; oc++) {
          let acc = 0;
          for (let py = 0; py < kv; py++)
            for (let px = 0; px < kv; px++) {
              const iy = oy * stride - pad + py * dilation;
              const ix = ox * stride - pad + px * dilation;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const inputs = depthwise ? [Math.floor(oc / cout)] : Array.from({ length: c }, (_, i) => i);
              for (const i of inputs) {
                const o = depthwise ? oc % cout : oc;
                acc += vanilla(py, px, i, o) * x[((b * h + iy) * w + ix) * c + i]!;
              }
            }
          data[((b * ho + oy) * wo + ox) * outC + oc] = acc;
        }
  return { data, shape: [n, ho, wo, outC] };
}

describe('pdcConv2d parity with the official PiDiNet ops (pdc_ops.safetensors)', () => {
  let input: tf.Tensor4D;
  beforeAll(() => {
    input = nchwToNhwc(fixtureTensor(fixture(), 'input'));
  });
  afterAll(() => input.dispose());

  for (const op of PDC_OPS) {
    for (const form of PDC_FORMS) {
      it(`depthwise ${op}, ${form} form`, async () => {
        const kernel = depthwiseFromTorch(fixtureTensor(fixture(), `${op}.weight`)) as tf.Tensor4D;
        const expected = nchwToNhwc(fixtureTensor(fixture(), `${op}.output`));
        const y = pdcConv2d(input, kernel, op, { depthwise: true, form });
        await expectClose(y, expected, TOLERANCE.op, `${op} ${form}`);
        tf.dispose([kernel, expected, y]);
      });
    }
  }

  for (const form of PDC_FORMS) {
    it(`full cd 3 -> 6, ${form} form`, async () => {
      const x = nchwToNhwc(fixtureTensor(fixture(), 'cd_full.input'));
      const kernel = convFromTorch(fixtureTensor(fixture(), 'cd_full.weight')) as tf.Tensor4D;
      const expected = nchwToNhwc(fixtureTensor(fixture(), 'cd_full.output'));
      const y = pdcConv2d(x, kernel, 'cd', { form });
      await expectClose(y, expected, TOLERANCE.op, `cd_full ${form}`);
      tf.dispose([x, kernel, expected, y]);
    });
  }
});

describe('pdcKernelToVanilla', () => {
  // One channel, taps 1..9 (row-major).
  const taps = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1, 1]);

  it('cd moves minus the sum of the taps to the centre', async () => {
    await expectClose(pdcKernelToVanilla(taps(), 'cd'), [1, 2, 3, 4, 5 - 45, 6, 7, 8, 9], TOLERANCE.exact);
  });

  it('ad subtracts the clockwise predecessor on the ring', async () => {
    // ring 1 2 3 / 6 9 8 / 7 4 clockwise: 1,2,3,6,9,8,7,4; predecessor of 1 is 4.
    await expectClose(
      pdcKernelToVanilla(taps(), 'ad'),
      [1 - 4, 2 - 1, 3 - 2, 4 - 7, 0, 6 - 3, 7 - 8, 8 - 9, 9 - 6],
      TOLERANCE.exact,
    );
  });

  it('rd spreads taps 1..8 to a 5x5 kernel, + outer ring, - inner ring, 0 centre', async () => {
    const v = pdcKernelToVanilla(taps(), 'rd');
    expect(v.shape).toEqual([5, 5, 1, 1]);
    // biome-ignore format: a 5x5 grid
    await expectClose(v, [
      2, 0, 3, 0, 4,
      0, -2, -3, -4, 0,
      5, -5, 0, -6, 6,
      0, -7, -8, -9, 0,
      7, 0, 8, 0, 9,
    ], TOLERANCE.exact);
  });

  it('cv is the identity; dilation inserts zeros', async () => {
    await expectClose(pdcKernelToVanilla(taps(), 'cv'), [1, 2, 3, 4, 5, 6, 7, 8, 9], TOLERANCE.exact);
    // biome-ignore format: a 5x5 grid
    await expectClose(pdcKernelToVanilla(taps(), 'cv', 2), [
      1, 0, 2, 0, 3,
      0, 0, 0, 0, 0,
      4, 0, 5, 0, 6,
      0, 0, 0, 0, 0,
      7, 0, 8, 0, 9,
    ], TOLERANCE.exact);
  });

  it('keeps the channel dimensions and rejects non-3x3 kernels', () => {
    const k = tf.zeros([3, 3, 4, 5]) as tf.Tensor4D;
    expect(pdcKernelToVanilla(k, 'rd', 2).shape).toEqual([9, 9, 4, 5]);
    expect(() => pdcKernelToVanilla(tf.zeros([5, 5, 1, 1]) as tf.Tensor4D, 'cd')).toThrow(ShapeError);
    expect(() => pdcKernelToVanilla(k, 'xd' as PdcOp)).toThrow(ConfigError);
    expect(() => pdcKernelToVanilla(k, 'cd', 0)).toThrow(ConfigError);
  });
});

describe('pdcConv2d against a naive loop (stride, dilation, full and depthwise)', () => {
  const cases = [
    { stride: 1, dilation: 2, depthwise: false },
    { stride: 2, dilation: 1, depthwise: true },
    { stride: 2, dilation: 2, depthwise: false },
  ];
  for (const op of PDC_OPS) {
    for (const opts of cases) {
      it(`${op} ${JSON.stringify(opts)}`, async () => {
        const shape: [number, number, number, number] = [1, 7, 6, 2];
        const cout = opts.depthwise ? 2 : 3;
        const x = values(7 * 6 * 2, 11);
        const k = values(9 * 2 * cout, 23);
        const ref = naivePdc(x, shape, k, cout, op, {
          stride: opts.stride,
          dilation: opts.dilation,
          depthwise: opts.depthwise,
        });
        const xt = tf.tensor4d(x, shape);
        const kt = tf.tensor4d(k, [3, 3, 2, cout]);
        for (const form of PDC_FORMS) {
          const y = pdcConv2d(xt, kt, op, {
            strides: opts.stride,
            dilation: opts.dilation,
            depthwise: opts.depthwise,
            form,
          });
          expect(y.shape, form).toEqual(ref.shape);
          await expectClose(y, ref.data, TOLERANCE.op, `${op} ${form}`);
          y.dispose();
        }
        tf.dispose([xt, kt]);
      });
    }
  }
});

describe('pdcConv2d gradients (central finite differences)', () => {
  for (const op of PDC_OPS) {
    for (const form of PDC_FORMS) {
      it(`${op}, ${form} form: d/dx and d/dkernel`, async () => {
        const shape: [number, number, number, number] = [1, 5, 5, 2];
        const x = tf.tensor4d(values(50, 3), shape);
        const k = tf.tensor4d(values(9 * 2 * 3, 5), [3, 3, 2, 3]);
        const r = tf.tensor4d(values(5 * 5 * 3, 7), [1, 5, 5, 3]);
        const f = (xv: tf.Tensor, kv: tf.Tensor) =>
          tf.sum(tf.mul(pdcConv2d(xv as tf.Tensor4D, kv as tf.Tensor4D, op, { form, dilation: 1 }), r));
        const [gx, gk] = tf.grads(f)([x, k]);
        const gxv = await gx!.data();
        const gkv = await gk!.data();
        const eps = 0.05;
        const probe = async (t: tf.Tensor, index: number, other: tf.Tensor, first: boolean) => {
          const base = await t.data();
          const bump = async (delta: number) => {
            const v = Float32Array.from(base);
            v[index]! += delta;
            const moved = tf.tensor(v, t.shape);
            const out = first ? f(moved, other) : f(other, moved);
            const value = (await out.data())[0]!;
            tf.dispose([moved, out]);
            return value;
          };
          return ((await bump(eps)) - (await bump(-eps))) / (2 * eps);
        };
        for (const i of [0, 12, 24, 37, 49]) {
          const fd = await probe(x, i, k, true);
          expect(Math.abs(fd - gxv[i]!), `dx[${i}]`).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
        }
        for (const i of [0, 7, 20, 31, 53]) {
          const fd = await probe(k, i, x, false);
          expect(Math.abs(fd - gkv[i]!), `dk[${i}]`).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
        }
        // rd never uses tap 0 (PiDiNet's convention): its gradient is zero.
        if (op === 'rd') expect(gkv.slice(0, 6).every((g) => g === 0)).toBe(true);
        tf.dispose([x, k, r, gx, gk]);
      });
    }
  }

  it('depthwise converted form with stride 2 and dilation 2 has gradients (no dilated TF.js conv)', async () => {
    const x = tf.tensor4d(values(2 * 6 * 6 * 3, 9), [2, 6, 6, 3]);
    const k = tf.tensor4d(values(27, 4), [3, 3, 3, 1]);
    for (const form of PDC_FORMS) {
      const [gx, gk] = tf.grads((xv: tf.Tensor, kv: tf.Tensor) =>
        tf.sum(
          tf.square(
            pdcConv2d(xv as tf.Tensor4D, kv as tf.Tensor4D, 'rd', {
              strides: 2,
              dilation: 2,
              depthwise: true,
              form,
            }),
          ),
        ),
      )([x, k]);
      expect(gx!.shape).toEqual(x.shape);
      expect((await tf.max(tf.abs(gk!)).data())[0]).toBeGreaterThan(0);
      tf.dispose([gx, gk]);
    }
    tf.dispose([x, k]);
  });
});

describe('pdcConv2d contract', () => {
  it('rejects bad input with typed errors', () => {
    const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const k = tf.zeros([3, 3, 2, 2]) as tf.Tensor4D;
    expect(() => pdcConv2d(tf.zeros([4, 4, 2]) as unknown as tf.Tensor4D, k, 'cd')).toThrow(/rank 4/);
    expect(() => pdcConv2d(x, tf.zeros([3, 3, 3, 2]) as tf.Tensor4D, 'cd')).toThrow(ShapeError);
    expect(() => pdcConv2d(x, k, 'cd', { strides: 0 })).toThrow(ConfigError);
    expect(() => pdcConv2d(x, k, 'cd', { form: 'fast' as 'converted' })).toThrow(ConfigError);
    expect(() => vanillaConv2d(x, tf.zeros([2, 2, 2, 2]) as tf.Tensor4D)).toThrow(ShapeError);
    tf.dispose([x, k]);
  });

  it('leaks no tensor', async () => {
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const k = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    for (const form of PDC_FORMS) {
      await expectNoLeak(() => pdcConv2d(x, k, 'rd', { depthwise: true, form, strides: 2 }));
    }
    tf.dispose([x, k]);
  });

  it('computes the same on this backend as on cpu', async () => {
    const run = async () => {
      const x = tf.tensor4d(values(2 * 6 * 5 * 3, 1), [2, 6, 5, 3]);
      const k = tf.tensor4d(values(9 * 3 * 4, 2), [3, 3, 3, 4]);
      const outs: number[] = [];
      for (const op of PDC_OPS) {
        for (const form of PDC_FORMS) {
          const y = pdcConv2d(x, k, op, { form, strides: 2 });
          outs.push(...(await y.data()));
          y.dispose();
        }
      }
      tf.dispose([x, k]);
      return outs;
    };
    const here = await run();
    const cpu = await runOnBackend('cpu', run);
    expect(closeness(here, cpu, TOLERANCE.op).mismatches).toBe(0);
  });
});
