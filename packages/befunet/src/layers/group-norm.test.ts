import { GROUP_NORM_APPLY_KERNEL, GROUP_NORM_MOMENTS_KERNEL } from '@befunet/kernels';
import {
  closeness,
  expectAffineGradientsMatchFiniteDifferences,
  expectClose,
  runOnBackend,
  TOLERANCE,
  testProject,
} from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { GroupNorm, groupNorm } from './group-norm.js';

/** Naive GroupNorm over an NHWC array, written from the definition. */
function naiveGroupNorm(x: Float32Array, shape: number[], groups: number, gamma: number[], beta: number[]) {
  const [b, h, w, c] = shape as [number, number, number, number];
  const out = new Float32Array(x.length);
  const cg = c / groups;
  for (let n = 0; n < b; n++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < h * w; p++)
        for (let k = 0; k < cg; k++) idx.push(n * h * w * c + p * c + g * cg + k);
      const mean = idx.reduce((s, i) => s + x[i]!, 0) / idx.length;
      const variance = idx.reduce((s, i) => s + (x[i]! - mean) ** 2, 0) / idx.length;
      for (const i of idx) {
        const ch = i % c;
        out[i] = ((x[i]! - mean) / Math.sqrt(variance + 1e-5)) * gamma[ch]! + beta[ch]!;
      }
    }
  }
  return out;
}

describe('GroupNorm', () => {
  it('matches the definition, per sample and group, with affine parameters', async () => {
    const shape = [2, 3, 4, 6];
    const x = Float32Array.from({ length: 144 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 5)));
    const gamma = [1, 2, 0.5, -1, 3, 0.1];
    const beta = [0, 0.1, -0.2, 0.3, 1, -1];
    const layer = new GroupNorm({ groups: 3 });
    layer.build(shape);
    layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta)]);
    const y = layer.apply(tf.tensor4d(x, shape as [number, number, number, number])) as tf.Tensor;
    await expectClose(y, naiveGroupNorm(x, shape, 3, gamma, beta), TOLERANCE.op, 'GroupNorm');
  });

  it('matches the definition far from zero mean and over several chunks per group', async () => {
    // S = 24 * 24 * 4 = 2304 elements per group (several chunks), 1152 rows; mean about 1000.
    const shape = [2, 24, 24, 8];
    const x = Float32Array.from(
      { length: 2 * 24 * 24 * 8 },
      (_, i) => 1000 + Math.sin(i * 0.11) * (1 + (i % 3)),
    );
    const gamma = [1, 2, 0.5, -1, 3, 0.1, 1, 1];
    const beta = [0, 0.1, -0.2, 0.3, 1, -1, 0, 0];
    const y = groupNorm(
      tf.tensor4d(x, shape as [number, number, number, number]),
      2,
      tf.tensor1d(gamma),
      tf.tensor1d(beta),
    );
    await expectClose(y, naiveGroupNorm(x, shape, 2, gamma, beta), { atol: 2e-3, rtol: 1e-3 }, 'GroupNorm');
  });

  it('has the gradients of finite differences of the definition', async () => {
    const shape = [2, 2, 3, 4];
    const n = 48;
    await expectAffineGradientsMatchFiniteDifferences(
      (x, gamma, beta) => groupNorm(x as tf.Tensor4D, 2, gamma as tf.Tensor1D, beta as tf.Tensor1D),
      (x, gamma, beta) => naiveGroupNorm(Float32Array.from(x), shape, 2, [...gamma], [...beta]),
      {
        shape,
        x: Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 2),
        gamma: [1, -0.5, 2, 0.3],
        beta: [0.1, 0.2, -0.3, 0],
        w: Float64Array.from({ length: n }, (_, i) => Math.cos(i * 1.3)),
      },
      1e-3,
      { atol: 2e-3, rtol: 2e-3 },
    );
  });

  it('gives the gradients cpu gives over several chunks per group and of rows', async () => {
    const gradients = async () => {
      const shape: [number, number, number, number] = [2, 24, 24, 8];
      const x = tf.randomNormal(shape, 3, 2, 'float32', 1);
      const weights = tf.randomNormal(shape, 0, 1, 'float32', 2);
      const gamma = tf.randomNormal([8], 1, 0.5, 'float32', 3);
      const beta = tf.randomNormal([8], 0, 0.5, 'float32', 4);
      const grads = tf.grads((xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(groupNorm(xt as tf.Tensor4D, 4, g as tf.Tensor1D, b as tf.Tensor1D), weights)),
      )([x, gamma, beta]);
      const values = await Promise.all(grads.map((g) => g.data()));
      tf.dispose([x, weights, gamma, beta, ...grads]);
      return values;
    };
    const here = await gradients();
    const cpu = await runOnBackend('cpu', gradients);
    for (const [i, g] of here.entries()) {
      expect(closeness(g, cpu[i]!, { atol: 1e-4, rtol: 1e-3 }).mismatches, `gradient ${i}`).toBe(0);
    }
  });

  it.runIf(testProject() === 'webgpu')('is three kernels on WebGPU', async () => {
    const x = tf.ones([1, 4, 4, 8]) as tf.Tensor4D;
    const profile = await tf.profile(() =>
      groupNorm(x, 2, tf.ones([8]) as tf.Tensor1D, tf.zeros([8]) as tf.Tensor1D),
    );
    const launched = profile.kernels.map((k) => k.name).filter((n) => n && n !== 'Reshape');
    expect(launched).toEqual([GROUP_NORM_MOMENTS_KERNEL, 'Sum', GROUP_NORM_APPLY_KERNEL]);
  });

  it('rejects channel counts the groups do not divide', () => {
    const layer = new GroupNorm({ groups: 4, name: 'gn' });
    expect(() => layer.apply(tfl.input({ shape: [8, 8, 6] }))).toThrow(
      "GroupNorm 'gn': 6 channels are not divisible into 4 groups",
    );
    expect(() => new GroupNorm({ groups: 0 })).toThrow('GroupNorm groups must be a positive integer, got 0');
  });
});
