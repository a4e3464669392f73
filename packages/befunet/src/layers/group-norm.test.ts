import { expectClose, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { GroupNorm } from './group-norm.js';

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

  it('rejects channel counts the groups do not divide', () => {
    const layer = new GroupNorm({ groups: 4, name: 'gn' });
    expect(() => layer.apply(tfl.input({ shape: [8, 8, 6] }))).toThrow(
      "GroupNorm 'gn': 6 channels are not divisible into 4 groups",
    );
    expect(() => new GroupNorm({ groups: 0 })).toThrow('GroupNorm groups must be a positive integer, got 0');
  });
});
