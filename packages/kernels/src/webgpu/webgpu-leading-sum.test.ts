import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { testProject } from '../../../testing/src/backends.ts';
import { expectSameAsCpu, type Input, random } from '../kernel-cases.test-util.js';
import { registerWebGpuKernels } from './webgpu-kernels.js';
import { leadingAxisCount, ROWS_PER_THREAD } from './webgpu-leading-sum.js';

describe('leadingAxisCount', () => {
  it.each([
    [[0], 3, 1],
    [[1, 0], 3, 2],
    [[-3, -2], 3, 2],
    [0, 2, 1],
    [[0, 0, 1], 4, 2],
    [[1], 3, 0],
    [[0, 2], 3, 0],
    [[0, 1, 2], 3, 0],
    [null, 3, 0],
  ] as [number | number[] | null, number, number][])(
    'axis %j of rank %i: %i leading axes',
    (axis, rank, count) => {
      expect(leadingAxisCount(axis, rank)).toBe(count);
    },
  );
});

describe.runIf(testProject() === 'webgpu')('webgpu Sum over leading axes, against the cpu backend', () => {
  const sum = (x: Input, axis: number | number[] | null, keepDims = false) =>
    expectSameAsCpu('webgpu', registerWebGpuKernels, tf.Sum, { x }, { axis, keepDims });

  it.each([
    ['one slice, scalar columns', [3, 5, 7], [0]],
    ['one slice, vec4 columns', [2, 3, 8], [0, 1]],
    ['two passes', [1, 300, 6], [0, 1]],
    ['three passes', [ROWS_PER_THREAD ** 2 + 5, 4], [0]],
    ['a dense layer’s bias gradient', [2, 56 * 56, 12], [0, 1]],
    ['negative axes', [4, 3, 2, 5], [-4, -3]],
    ['a single row', [1, 9], [0]],
  ] as [string, number[], number[]][])('%s: %j over %j', async (_, shape, axis) => {
    await sum(random(shape, shape.length + shape[0]!), axis);
  });

  it('keeps the reduced axes when asked', async () => {
    await sum(random([6, 5, 4], 3), [0, 1], true);
  });

  it.each([
    ['the last axis', [5, 7], [1]],
    ['every axis', [5, 7], null],
    ['inner axes', [3, 4, 5], [1, 2]],
  ] as [string, number[], number[] | null][])(
    'leaves %s to the backend’s own Sum',
    async (_, shape, axis) => {
      await sum(random(shape, 9), axis);
    },
  );

  it('leaves int32 sums to the backend’s own Sum', async () => {
    const x: Input = {
      shape: [70, 3],
      values: Int32Array.from({ length: 210 }, (_, i) => i - 100),
      dtype: 'int32',
    };
    await sum(x, [0]);
  });
});
