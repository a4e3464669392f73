// TF.js registers its gradients in Node.js ESM only through tfjs-layers (or the union package).
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runOnBackend } from '../../../testing/src/backends.ts';
import { closeness, TOLERANCE } from '../../../testing/src/tolerance.ts';
import { conv2dBackpropFilterNhwc } from './cpu-conv2d-backprop-filter.js';
import { registerFastCpuKernels, restoreCpuKernels } from './cpu-kernels.js';

/** The definition, written element by element: dW[kh,kw,ci,co] = sum x[b, oy*s+kh-pt, ox*s+kw-pl, ci] dy[b,oy,ox,co]. */
function naive(
  x: Float32Array,
  xs: number[],
  dy: Float32Array,
  ds: number[],
  k: number,
  s: number,
  pt: number,
  pl: number,
) {
  const [b, h, w, cin] = xs as [number, number, number, number];
  const [, oh, ow, cout] = ds as [number, number, number, number];
  const out = new Float32Array(k * k * cin * cout);
  for (let kh = 0; kh < k; kh++)
    for (let kw = 0; kw < k; kw++)
      for (let ci = 0; ci < cin; ci++)
        for (let co = 0; co < cout; co++) {
          let sum = 0;
          for (let n = 0; n < b; n++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                const iy = oy * s + kh - pt;
                const ix = ox * s + kw - pl;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                  sum += x[((n * h + iy) * w + ix) * cin + ci]! * dy[((n * oh + oy) * ow + ox) * cout + co]!;
              }
          out[((kh * k + kw) * cin + ci) * cout + co] = sum;
        }
  return out;
}

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (i % 7 === 0 ? 0 : 1));

afterAll(() => restoreCpuKernels());

describe('conv2dBackpropFilterNhwc', () => {
  const cases: [string, number, number, number, number][] = [
    // name, kernel, stride, pad top, pad left (same padding of a 3x3: 1, 1)
    ['3x3 stride 1 same', 3, 1, 1, 1],
    ['3x3 stride 2', 3, 2, 0, 0],
    ['1x1 stride 4', 1, 4, 0, 0],
    ['5x5 stride 1 pad 2', 5, 1, 2, 2],
  ];
  it.each(cases)('matches the definition: %s', (_, k, s, pt, pl) => {
    const xs = [2, 9, 7, 3];
    const oh = Math.floor((9 + 2 * pt - k) / s) + 1;
    const ow = Math.floor((7 + 2 * pl - k) / s) + 1;
    const ds = [2, oh, ow, 4];
    const x = values(2 * 9 * 7 * 3, 1);
    const dy = values(2 * oh * ow * 4, 2);
    const got = conv2dBackpropFilterNhwc(x, xs, dy, ds, [k, k], {
      strideHeight: s,
      strideWidth: s,
      padTop: pt,
      padLeft: pl,
    });
    expect(closeness(got, naive(x, xs, dy, ds, k, s, pt, pl), TOLERANCE.op).mismatches).toBe(0);
  });

  it('replaces the cpu kernel behind tf.grad, with the same gradients as the definition', async () => {
    const result = await runOnBackend('cpu', async () => {
      registerFastCpuKernels();
      const x = tf.tensor4d(values(2 * 10 * 10 * 3, 3), [2, 10, 10, 3]);
      const w = tf.tensor4d(values(3 * 3 * 3 * 5, 4), [3, 3, 3, 5]);
      const dy = tf.tensor4d(values(2 * 5 * 5 * 5, 5), [2, 5, 5, 5]);
      // d/dw of sum(conv(x, w) * dy) is the filter gradient for the upstream gradient dy.
      const g = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ww as tf.Tensor4D, 2, 'same'), dy)))(w);
      return { got: await g.data(), kernel: tf.getKernel(tf.Conv2DBackpropFilter, 'cpu') };
    });
    expect(result.kernel).toBeDefined();
    // 'same' with stride 2 on 10 -> 5: total padding max(0, (5-1)*2 + 3 - 10) = 1, top 0, bottom 1.
    const expected = naive(values(600, 3), [2, 10, 10, 3], values(250, 5), [2, 5, 5, 5], 3, 2, 0, 0);
    expect(closeness(result.got, expected, TOLERANCE.op).mismatches).toBe(0);
  });
});
