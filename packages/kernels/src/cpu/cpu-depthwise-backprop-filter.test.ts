// TF.js registers its gradients in Node.js ESM only through tfjs-layers (or the union package).
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runOnBackend } from '../../../testing/src/backends.ts';
import { closeness, TOLERANCE } from '../../../testing/src/tolerance.ts';
import { depthwiseBackpropFilterNhwc } from './cpu-depthwise-backprop-filter.js';
import { registerFastCpuKernels, restoreCpuKernels } from './cpu-kernels.js';

/** The definition: dW[kh,kw,c,m] = sum x[b, oy*s+kh*d-pt, ox*s+kw*d-pl, c] dy[b,oy,ox,c*M+m]. */
function naive(
  x: Float32Array,
  xs: number[],
  dy: Float32Array,
  ds: number[],
  k: number,
  mult: number,
  s: number,
  d: number,
  pt: number,
  pl: number,
) {
  const [b, h, w, c] = xs as [number, number, number, number];
  const [, oh, ow] = ds as [number, number, number, number];
  const out = new Float32Array(k * k * c * mult);
  for (let kh = 0; kh < k; kh++)
    for (let kw = 0; kw < k; kw++)
      for (let ci = 0; ci < c; ci++)
        for (let m = 0; m < mult; m++) {
          let sum = 0;
          for (let n = 0; n < b; n++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                const iy = oy * s + kh * d - pt;
                const ix = ox * s + kw * d - pl;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                  sum +=
                    x[((n * h + iy) * w + ix) * c + ci]! *
                    dy[((n * oh + oy) * ow + ox) * c * mult + ci * mult + m]!;
              }
          out[((kh * k + kw) * c + ci) * mult + m] = sum;
        }
  return out;
}

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.29 + seed));

afterAll(() => restoreCpuKernels());

describe('depthwiseBackpropFilterNhwc', () => {
  const cases: [string, number, number, number, number, number, number][] = [
    // name, kernel, multiplier, stride, dilation, pad top, pad left
    ['3x3 stride 1 same', 3, 1, 1, 1, 1, 1],
    ['3x3 multiplier 2 stride 2', 3, 2, 2, 1, 0, 0],
    ['3x3 dilation 2 pad 2', 3, 1, 1, 2, 2, 2],
  ];
  it.each(cases)('matches the definition: %s', (_, k, mult, s, d, pt, pl) => {
    const xs = [2, 8, 9, 3];
    const span = (k - 1) * d + 1;
    const oh = Math.floor((8 + 2 * pt - span) / s) + 1;
    const ow = Math.floor((9 + 2 * pl - span) / s) + 1;
    const ds = [2, oh, ow, 3 * mult];
    const x = values(2 * 8 * 9 * 3, 1);
    const dy = values(2 * oh * ow * 3 * mult, 2);
    const got = depthwiseBackpropFilterNhwc(x, xs, dy, ds, [k, k, 3, mult], {
      strideHeight: s,
      strideWidth: s,
      dilationHeight: d,
      dilationWidth: d,
      padTop: pt,
      padLeft: pl,
    });
    expect(closeness(got, naive(x, xs, dy, ds, k, mult, s, d, pt, pl), TOLERANCE.op).mismatches).toBe(0);
  });

  it('replaces the cpu kernel behind tf.grad, with the same gradients as the definition', async () => {
    const got = await runOnBackend('cpu', async () => {
      registerFastCpuKernels();
      const x = tf.tensor4d(values(2 * 7 * 7 * 4, 3), [2, 7, 7, 4]);
      const w = tf.tensor4d(values(3 * 3 * 4 * 2, 4), [3, 3, 4, 2]);
      const dy = tf.tensor4d(values(2 * 7 * 7 * 8, 5), [2, 7, 7, 8]);
      const g = tf.grad((ww: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(x, ww as tf.Tensor4D, 1, 'same'), dy)),
      )(w);
      return g.data();
    });
    const expected = naive(values(392, 3), [2, 7, 7, 4], values(784, 5), [2, 7, 7, 8], 3, 2, 1, 1, 1, 1);
    expect(closeness(got, expected, TOLERANCE.op).mismatches).toBe(0);
  });
});
