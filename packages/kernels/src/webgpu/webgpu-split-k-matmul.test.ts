import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { testProject } from '../../../testing/src/backends.ts';
import { expectSameAsCpu, random } from '../kernel-cases.test-util.js';
import { registerWebGpuKernels } from './webgpu-kernels.js';
import { MIN_SLICE, SPLIT_K_WORKGROUPS_FLAG, splitCount } from './webgpu-split-k-matmul.js';

const defaultWorkgroups = tf.env().getNumber(SPLIT_K_WORKGROUPS_FLAG);
afterEach(() => tf.env().set(SPLIT_K_WORKGROUPS_FLAG, defaultWorkgroups));

describe('splitCount', () => {
  it('takes the largest divisor of the shared axis that brings the tiles to the target', () => {
    // 1024 / 9 tiles -> at most 114 slices; 31,360 = 2^7 * 5 * 7^2 has 112 as its largest divisor <= 114.
    expect(splitCount(31360, 9)).toBe(112);
    // 1024 / 36 tiles -> at most 29 slices; 7,840 = 2^5 * 5 * 7^2: 28.
    expect(splitCount(7840, 36)).toBe(28);
  });

  it('keeps slices at least MIN_SLICE long and leaves large outputs and prime axes whole', () => {
    expect(splitCount(MIN_SLICE * 3, 1)).toBe(3);
    expect(splitCount(MIN_SLICE * 2 - 1, 1)).toBe(1);
    expect(splitCount(4096, 1024)).toBe(1);
    expect(splitCount(8191, 1)).toBe(1);
  });
});

describe.runIf(testProject() === 'webgpu')(
  'webgpu BatchMatMul with a split shared axis, against the cpu backend',
  () => {
    const matMul = (aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean) =>
      expectSameAsCpu(
        'webgpu',
        registerWebGpuKernels,
        tf.BatchMatMul,
        { a: random(aShape, 1), b: random(bShape, 2) },
        { transposeA, transposeB },
      );

    it.each([
      ['rank 3, 10 slices', [1, 640, 12], [1, 640, 20], 16],
      ['rank 2, 4 slices', [256, 8], [256, 5], 4],
      ['vec4-wide output, 7 slices', [1, 7 * MIN_SLICE, 16], [1, 7 * MIN_SLICE, 8], 7],
    ] as [string, number[], number[], number][])('a^T b, %s', async (_, aShape, bShape, workgroups) => {
      tf.env().set(SPLIT_K_WORKGROUPS_FLAG, workgroups);
      const k = aShape.at(-2)!;
      expect(splitCount(k, 1)).toBeGreaterThan(1);
      await matMul(aShape, bShape, true, false);
    });

    it.each([
      ['a b', [1, 12, 640], [1, 640, 20], false, false],
      ['a b^T', [1, 12, 640], [1, 20, 640], false, true],
      ['a batch of a^T b', [3, 640, 12], [3, 640, 20], true, false],
      ['a^T b with a prime shared axis', [1, 641, 12], [1, 641, 20], true, false],
    ] as [string, number[], number[], boolean, boolean][])(
      'leaves %s to the backend’s own kernel',
      async (_, aShape, bShape, transposeA, transposeB) => {
        tf.env().set(SPLIT_K_WORKGROUPS_FLAG, 16);
        await matMul(aShape, bShape, transposeA, transposeB);
      },
    );
  },
);
