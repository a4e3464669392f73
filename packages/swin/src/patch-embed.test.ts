import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak } from '../../testing/src/index.ts';
import { PatchEmbed } from './patch-embed.js';

describe('PatchEmbed', () => {
  const image = () =>
    tf.tensor4d(
      Float32Array.from({ length: 2 * 8 * 12 * 3 }, (_, i) => Math.sin(i)),
      [2, 8, 12, 3],
    );

  it('projects P x P patches to C channels and normalises them', async () => {
    const embed = new PatchEmbed({ name: 'patch_embed', embedDim: 6, patchSize: 4 });
    const x = image();
    const y = embed.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 2, 3, 6]);
    expect(embed.weights.map((w) => `${w.originalName}:${w.shape.join('x')}`)).toEqual([
      'patch_embed/proj/kernel:4x4x3x6',
      'patch_embed/proj/bias:6',
      'patch_embed/norm/gamma:6',
      'patch_embed/norm/beta:6',
    ]);
    // With gamma 1 and beta 0, every token has mean 0 and variance v / (v + eps), v the variance of
    // the projected token before the norm (the projection: a stride-P conv, by TF.js's conv2d).
    const [kernel, bias] = embed.weights.map((w) => w.read());
    const projectedVariance = tf.tidy(
      () => tf.moments(tf.add(tf.conv2d(x, kernel as tf.Tensor4D, 4, 'valid'), bias!), -1).variance,
    );
    const v = await projectedVariance.data();
    const { mean, variance } = tf.moments(y, -1);
    await expectClose(mean, new Float32Array(12), { atol: 1e-5, rtol: 0 }, 'token means');
    await expectClose(
      variance,
      v.map((vi) => vi / (vi + 1e-5)),
      { atol: 1e-4, rtol: 0 },
      'token variances',
    );
    await expectNoLeak(() => embed.apply(x));
    tf.dispose([x, y, mean, variance, projectedVariance]);
    embed.dispose();
  });

  it('rejects sizes that are not multiples of the patch and bad config', () => {
    expect(() => new PatchEmbed({ embedDim: 0 })).toThrow(ConfigError);
    const embed = new PatchEmbed({ embedDim: 4, patchSize: 4 });
    expect(() => embed.apply(tf.zeros([1, 10, 8, 3]))).toThrow(ShapeError);
    expect(() => embed.apply(tf.zeros([10, 8, 3]))).toThrow(ShapeError);
  });

  it('round-trips its config', () => {
    const embed = new PatchEmbed({ name: 'pe', embedDim: 5, patchSize: 2, norm: false });
    expect(embed.getConfig()).toMatchObject({ name: 'pe', embedDim: 5, patchSize: 2, norm: false });
    const copy = PatchEmbed.fromConfig(PatchEmbed, embed.getConfig()) as PatchEmbed;
    expect(copy.getConfig()).toEqual(embed.getConfig());
  });
});
