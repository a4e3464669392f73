import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm, threadsPerRow } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  expectAffineGradientsMatchFiniteDifferences,
  expectClose,
  TOLERANCE,
  testProject,
} from '../../testing/src/index.ts';
import { ShapeError } from './errors.js';
import { LayerNorm } from './layer-norm.js';

const seeded = (n: number, seed: number) => {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 30 - 1) * 2;
  });
};

/** LayerNorm of rows of `c` values, in float64 (the definition). */
function reference(
  x: ArrayLike<number>,
  c: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / c; r++) {
    const row = Array.from({ length: c }, (_, j) => x[r * c + j]!);
    const mean = row.reduce((a, v) => a + v, 0) / c;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / c;
    row.forEach((v, j) => {
      out.push(((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[j]! + beta[j]!);
    });
  }
  return out;
}

describe('threadsPerRow', () => {
  it('is a power of two up to 8 that leaves each thread at least two lanes', () => {
    expect([1, 2, 3, 4, 7, 8, 15, 16, 24, 1000].map(threadsPerRow)).toEqual([1, 1, 1, 2, 2, 4, 4, 8, 8, 8]);
  });
});

describe('layerNorm', () => {
  // 8 channels take the vec4 path of the WebGPU kernel, 6 the scalar one; on WebGPU a row of 8
  // channels is one thread's, of 24 shared by 2 threads, of 96, 66 (scalar lanes) or 768 by 8
  // (threadsPerRow), and 74 or 210 rows leave a workgroup part-used.
  it.each([[[2, 3, 8]], [[4, 6]], [[1, 2, 2, 12]], [[2, 37, 96]], [[3, 70, 66]], [[4, 768]]])(
    'normalises the last axis of %j as the definition does',
    async (shape) => {
      const c = shape.at(-1)!;
      const x = seeded(tf.util.sizeFromShape(shape), 1).map((v, i) => v * (1 + (i % 5)) + (i % 3));
      const gamma = seeded(c, 2);
      const beta = seeded(c, 3);
      const y = layerNorm(
        tf.tensor(Float32Array.from(x), shape),
        tf.tensor1d(Float32Array.from(gamma)),
        tf.tensor1d(Float32Array.from(beta)),
      );
      await expectClose(y, reference(x, c, gamma, beta), TOLERANCE.op, 'layerNorm');
    },
  );

  it.each([8, 6, 24, 66])(
    'has the gradients of finite differences of the definition (%i channels)',
    async (c) => {
      await expectAffineGradientsMatchFiniteDifferences(
        layerNorm,
        (x, gamma, beta) => reference(x, c, gamma, beta),
        { shape: [3, c], x: seeded(3 * c, 4), gamma: seeded(c, 5), beta: seeded(c, 6), w: seeded(3 * c, 7) },
        1e-6,
        { atol: 1e-4, rtol: 1e-4 },
      );
    },
  );

  it.runIf(testProject() === 'webgpu')('is one kernel on WebGPU', async () => {
    const profile = await tf.profile(() => layerNorm(tf.ones([2, 5, 8]), tf.ones([8]), tf.zeros([8])));
    // (tf.profile also lists the custom-gradient wrapper, with an empty name.)
    expect(profile.kernels.map((k) => k.name).filter(Boolean)).toEqual([LAYER_NORM_KERNEL]);
  });

  it.runIf(testProject() === 'webgpu')('has a four-kernel gradient on WebGPU', async () => {
    const grads = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(x, g, b));
    const profile = await tf.profile(() =>
      grads([tf.ones([2, 5, 8]), tf.ones([8]), tf.zeros([8])], tf.ones([2, 5, 8])),
    );
    const launched = profile.kernels
      .map((k) => k.name)
      .filter((n) => n && n !== 'forward' && n !== 'Identity');
    expect(launched).toEqual([
      LAYER_NORM_KERNEL,
      LAYER_NORM_GRAD_KERNEL,
      LAYER_NORM_GRAD_KERNEL,
      'Sum',
      'Sum',
    ]);
  });

  it('rejects gamma or beta that do not match the last axis, and non-float input', () => {
    expect(() => layerNorm(tf.ones([2, 8]), tf.ones([6]), tf.zeros([8]))).toThrow(ShapeError);
    expect(() => layerNorm(tf.ones([2, 8]), tf.ones([8]), tf.zeros([8]))).not.toThrow();
    expect(() => layerNorm(tf.ones([2, 8], 'int32'), tf.ones([8]), tf.zeros([8]))).toThrow(
      /layerNorm input must have dtype float32, got int32/,
    );
  });
});

describe('LayerNorm', () => {
  it('names its weights gamma and beta as tfjs-layers does, and survives a config round trip', async () => {
    const norm = new LayerNorm({ name: 'norm1', epsilon: 1e-6 });
    const input = tfl.input({ shape: [3, 8] });
    const model = tfl.model({ inputs: input, outputs: norm.apply(input) as tfl.SymbolicTensor });
    expect(norm.weights.map((w) => w.originalName)).toEqual(['norm1/gamma', 'norm1/beta']);
    expect(model.countParams()).toBe(16);
    const copy = tf.serialization.SerializationMap.getMap().classNameMap['befunet>LayerNorm']![1](
      LayerNorm,
      norm.getConfig(),
    ) as LayerNorm;
    expect(copy.epsilon).toBe(1e-6);
    expect(copy.name).toBe('norm1');
  });
});
