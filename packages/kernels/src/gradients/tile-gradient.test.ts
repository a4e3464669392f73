import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE } from '../../../testing/src/tolerance.ts';
import { installTileGradient, tileGradient } from './tile-gradient.js';

/** The definition: dx[j] = sum over the tiles t of dy[t * s + j], element by element. */
function definition(dy: Float32Array, xShape: number[], reps: number[]): Float32Array {
  const yShape = xShape.map((s, d) => s * reps[d]!);
  const dx = new Float32Array(tf.util.sizeFromShape(xShape));
  for (let i = 0; i < dy.length; i++) {
    // Row-major coordinates of i in y, last axis first; x's coordinate is y's modulo s_d.
    let rest = i;
    let j = 0;
    let xStride = 1;
    for (let d = yShape.length - 1; d >= 0; d--) {
      j += ((rest % yShape[d]!) % xShape[d]!) * xStride;
      rest = Math.floor(rest / yShape[d]!);
      xStride *= xShape[d]!;
    }
    dx[j]! += dy[i]!;
  }
  return dx;
}

const cases: [string, number[], number[]][] = [
  ['LayerNormalization gamma [1, 1, 1, 6] by [2, 5, 4, 1]', [1, 1, 1, 6], [2, 5, 4, 1]],
  ['LayerNormalization statistics [2, 5, 4, 1] by [1, 1, 1, 6]', [2, 5, 4, 1], [1, 1, 1, 6]],
  ['mixed [2, 3, 1] by [3, 1, 2]', [2, 3, 1], [3, 1, 2]],
  ['rank 1 [4] by [3]', [4], [3]],
  ['no tiling [2, 3] by [1, 1]', [2, 3], [1, 1]],
  ['rank 5 [2, 1, 2, 1, 3] by [1, 2, 2, 3, 1]', [2, 1, 2, 1, 3], [1, 2, 2, 3, 1]],
];

describe('tileGradient', () => {
  it.each(cases)('matches the definition: %s', async (_, xShape, reps) => {
    const yShape = xShape.map((s, d) => s * reps[d]!);
    const values = Float32Array.from({ length: tf.util.sizeFromShape(yShape) }, (_, i) => Math.sin(i * 0.7));
    const dy = tf.tensor(values, yShape);
    const dx = tileGradient(dy, xShape, reps);
    expect(dx.shape).toEqual(xShape);
    await expectClose(dx, definition(values, xShape, reps), TOLERANCE.op);
    tf.dispose([dy, dx]);
  });

  it('is what tf.grad of tf.tile gives once registered', async () => {
    installTileGradient();
    const x = tf.tensor4d(
      Float32Array.from({ length: 6 }, (_, i) => i + 1),
      [1, 1, 1, 6],
    );
    const weights = Float32Array.from({ length: 2 * 5 * 4 * 6 }, (_, i) => Math.cos(i));
    const w = tf.tensor4d(weights, [2, 5, 4, 6]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tile(v, [2, 5, 4, 1]), w)))(x);
    await expectClose(g, definition(weights, [1, 1, 1, 6], [2, 5, 4, 1]), TOLERANCE.op);
    tf.dispose([x, w, g]);
  });
});
