import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { testProject } from '../../../testing/src/backends.ts';
import { expectSameAsCpu, type Input, random } from '../kernel-cases.test-util.js';
import { registerWebGpuKernels } from './webgpu-kernels.js';
import { MAX_ROW_LENGTH, trailingAxisCount } from './webgpu-short-row-reduce.js';

describe('trailingAxisCount', () => {
  it.each([
    [[2], 3, 1],
    [-1, 3, 1],
    [[2, 1], 3, 2],
    [null, 3, 3],
    [[0, 1, 2], 3, 3],
    [[1], 3, 0],
    [[0, 2], 3, 0],
  ] as [number | number[] | null, number, number][])(
    'axis %j of rank %i: %i trailing axes',
    (axis, rank, count) => {
      expect(trailingAxisCount(axis, rank)).toBe(count);
    },
  );
});

describe.runIf(testProject() === 'webgpu')(
  'webgpu Sum and Max over short trailing axes, against the cpu backend',
  () => {
    const reduce = (kernel: string, x: Input, axis: number | number[] | null, keepDims = false) =>
      expectSameAsCpu(
        'webgpu',
        registerWebGpuKernels,
        kernel,
        { x },
        kernel === tf.Max ? { reductionIndices: axis, keepDims } : { axis, keepDims },
      );

    it.each([tf.Sum, tf.Max])('%s: a softmax’s class axis, rows of 9', async (kernel) => {
      await reduce(kernel, random([2, 7, 5, 9], 1), -1);
      await reduce(kernel, random([2, 7, 5, 9], 2), [3], true);
    });

    it.each([tf.Sum, tf.Max])(
      '%s: two trailing axes, every axis, and a row of MAX_ROW_LENGTH',
      async (kernel) => {
        await reduce(kernel, random([6, 4, 3], 3), [1, 2]);
        await reduce(kernel, random([5, 7], 4), null);
        await reduce(kernel, random([3, MAX_ROW_LENGTH], 5), 1);
      },
    );

    it('Max keeps NaN, as the cpu backend does', async () => {
      const values = Float32Array.from(random([4, 3], 6).values);
      values[4] = Number.NaN;
      await reduce(tf.Max, { shape: [4, 3], values, dtype: 'float32' }, 1);
    });

    it.each([tf.Sum, tf.Max])(
      '%s: leaves long rows, leading axes and int32 to the backend’s own',
      async (kernel) => {
        await reduce(kernel, random([3, MAX_ROW_LENGTH + 1], 7), 1);
        await reduce(kernel, random([5, 3], 8), 0);
        await reduce(
          kernel,
          { shape: [4, 3], values: Int32Array.from({ length: 12 }, (_, i) => i * 7 - 40), dtype: 'int32' },
          1,
        );
      },
    );
  },
);
