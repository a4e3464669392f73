import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE, testProject } from '../../testing/src/index.ts';
import { CYCLIC_SHIFT_KERNEL, cyclicShift, roll } from './cyclic-shift.js';

/** out[b, y, x, c] = in[b, (y - s) mod H, (x - s) mod W, c], from the definition. */
function shifted(values: number[], [b, h, w, c]: number[], s: number): number[] {
  const mod = (i: number, n: number) => ((i % n) + n) % n;
  const out: number[] = [];
  for (let n = 0; n < b!; n++)
    for (let y = 0; y < h!; y++)
      for (let x = 0; x < w!; x++)
        for (let k = 0; k < c!; k++)
          out.push(values[((n * h! + mod(y - s, h!)) * w! + mod(x - s, w!)) * c! + k]!);
  return out;
}

describe('cyclic shift', () => {
  it('rolls like torch.roll on each axis', async () => {
    const x = tf.tensor1d([0, 1, 2, 3, 4]);
    await expectClose(roll(x, 2, 0), [3, 4, 0, 1, 2], TOLERANCE.exact, 'roll +2');
    await expectClose(roll(x, -1, 0), [1, 2, 3, 4, 0], TOLERANCE.exact, 'roll -1');
    await expectClose(roll(x, 5, 0), [0, 1, 2, 3, 4], TOLERANCE.exact, 'roll by n');
    x.dispose();
  });

  it('shifts rows and columns, and shifting back restores the map', async () => {
    const v: number[] = [];
    for (let h = 0; h < 3; h++) for (let w = 0; w < 3; w++) v.push(10 * h + w);
    const x = tf.tensor4d(v, [1, 3, 3, 1]);
    const out = cyclicShift(x, -1);
    // out[h, w] = x[(h + 1) % 3, (w + 1) % 3]
    await expectClose(out, [11, 12, 10, 21, 22, 20, 1, 2, 0], TOLERANCE.exact, 'shift -1');
    await expectClose(cyclicShift(out, 1), x, TOLERANCE.exact, 'shift back');
    tf.dispose([x, out]);
  });

  // 8 channels take the vec4 path of the WebGPU kernel, 3 the scalar one.
  it.each([
    [[2, 4, 6, 8], -3],
    [[2, 5, 3, 3], 2],
    [[1, 7, 7, 4], 10],
  ])(
    'matches the definition on %j shifted by %i, and its gradient is the opposite shift',
    async (shape, s) => {
      const values = Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => i);
      const x = tf.tensor4d(values, shape as [number, number, number, number]);
      await expectClose(cyclicShift(x, s), shifted(values, shape, s), TOLERANCE.exact, 'shift');
      const weights = tf.tensor4d(
        values.map((v) => Math.sin(v)),
        shape as [number, number, number, number],
      );
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(cyclicShift(t as tf.Tensor4D, s), weights)))(x);
      await expectClose(
        dx,
        shifted(
          values.map((v) => Math.sin(v)),
          shape,
          -s,
        ),
        TOLERANCE.op,
        'gradient',
      );
    },
  );

  it.runIf(testProject() === 'webgpu')('is one kernel on WebGPU', async () => {
    const profile = await tf.profile(() => cyclicShift(tf.ones([1, 7, 7, 8]) as tf.Tensor4D, 3));
    expect(profile.kernels.map((k) => k.name).filter((n) => n && n !== 'unnamed scope')).toEqual([
      CYCLIC_SHIFT_KERNEL,
    ]);
  });
});
