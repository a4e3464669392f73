import { expectClose, fixtureTensor, loadFixture } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { PositionNorm } from './position-norm.js';

describe('PositionNorm', () => {
  it('turns the official S1 and S4 into Z1 and Z4 with the checkpoint position embeddings and norms', async () => {
    const io = loadFixture('official/official_mini_io.safetensors');
    const weights = loadFixture('official/official_mini.safetensors');
    for (const [level, s, z] of [
      [0, 'S1', 'Z1'],
      [1, 'S4', 'Z4'],
    ] as const) {
      const tokens = fixtureTensor(io, s);
      const layer = new PositionNorm();
      layer.build(tokens.shape);
      // The checkpoint's embedding has a first row for the class token, which the decoder drops.
      const position = tf.slice(
        fixtureTensor(weights, `All2Cross.pos_embed.${level}`),
        [0, 1, 0],
        [1, -1, -1],
      );
      layer.setWeights([
        position,
        fixtureTensor(weights, `All2Cross.norm.${level}.weight`),
        fixtureTensor(weights, `All2Cross.norm.${level}.bias`),
      ]);
      await expectClose(
        layer.apply(tokens) as tf.Tensor,
        fixtureTensor(io, z),
        { atol: 1e-4, rtol: 1e-4 },
        z,
      );
    }
  });

  it('rejects sequences of another length', () => {
    const layer = new PositionNorm({ name: 'pn' });
    layer.build([null, 49, 8]);
    expect(() => layer.apply(tf.zeros([1, 50, 8]))).toThrow(
      "PositionNorm 'pn' input must have shape [?,49,8], got [1,50,8]",
    );
    expect(() => new PositionNorm().apply(tfl.input({ shape: [49] }))).toThrow(
      /expects tokens \[B, N, C\] or maps/,
    );
  });
});
