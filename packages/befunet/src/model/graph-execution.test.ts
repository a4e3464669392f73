/**
 * tfjs-layers' executor calls a layer once per used output (see RepeatedCallMemo in @befunet/common):
 * the four-output edge encoder must still compute once per forward pass, in inference and training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createBefunet } from './befunet.js';
import { befunetConfig } from './config.js';

const small = (preset: 'tiny' | 'official') =>
  befunetConfig(preset, {
    imageSize: 64,
    swin: { embedDim: 8, numHeads: [1, 1, 2, 2], windowSize: 2 },
    ...(preset === 'tiny'
      ? {
          edgeChannels: 8,
          lcaf: { window: 2, shifted: true },
          dlf: { largeHeads: 1, smallHeads: 1 },
          decoder: { width: 8, predChannels: 4, groups: 4 },
        }
      : {}),
  });

/** Depthwise conv launches while running `fn` (only the edge encoder's PDCs launch them). */
async function depthwiseLaunches(fn: () => tf.TensorContainer): Promise<number> {
  const profile = await tf.profile(() => {
    tf.dispose(fn());
  });
  const depthwise = ['DepthwiseConv2dNative', 'FusedDepthwiseConv2D'];
  return profile.kernels.filter((k) => depthwise.includes(k.name)).length;
}

describe.each(['official', 'tiny'] as const)('%s graph execution', (preset) => {
  it('computes the four-output edge encoder once per forward pass (predict and training)', async () => {
    const model = createBefunet(small(preset), {}, { seed: 1 });
    const encoder = model.getLayer('edge_encoder');
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 5);
    for (const training of [false, true]) {
      // One pass of the encoder on its own (a single call: nothing to repeat).
      const onePass = await depthwiseLaunches(() => encoder.apply(x, { training }) as tf.Tensor[]);
      expect(onePass).toBeGreaterThan(0);
      const whole = await depthwiseLaunches(() =>
        training ? (model.apply(x, { training }) as tf.Tensor[]) : model.predict(x),
      );
      expect(whole, `training ${training}`).toBe(onePass);
    }
    x.dispose();
    model.dispose();
  });
});
