/**
 * The replayed forward pass of whole BEFUnets (every layer kind, both graphs) against model.predict:
 * the same kernels run, so the same bits come out, for new inputs, after weight changes, and through
 * the sliding-window inference that uses it by default.
 */
import { testProject } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';
import { predictProbabilities } from './predict-probabilities.js';
import { ReplayedPredictor, replayedPredictor } from './replayed-predictor.js';

const onWebGpu = testProject() === 'webgpu';

const small = (preset: 'tiny' | 'official' | 'paper') =>
  befunetConfig(preset, {
    imageSize: 64,
    swin: { embedDim: 8, numHeads: [1, 1, 2, 2], windowSize: 2 },
    ...(preset === 'official'
      ? {}
      : {
          edgeChannels: 8,
          lcaf: { window: 2, shifted: true },
          dlf: { largeHeads: 1, smallHeads: 1 },
          decoder: { width: 8, predChannels: 4, groups: 4 },
        }),
  });

const images = (batch: number, seed: number) => tf.randomUniform([batch, 64, 64, 3], 0, 1, 'float32', seed);

async function valuesOf(out: tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map(async (t) => Array.from(await t.data())));
  tf.dispose(list);
  return values;
}

describe.runIf(onWebGpu)('ReplayedPredictor on WebGPU', () => {
  it.each(['official', 'paper'] as const)(
    '%s: replays give model.predict to the last bit',
    async (preset) => {
      expect(tf.getBackend()).toBe('webgpu');
      const model = createBefunet(small(preset), {}, { seed: 1 });
      const predictor = new ReplayedPredictor(model);
      for (let seed = 1; seed <= 4; seed++) {
        const x = images(2, seed);
        const replayed = await valuesOf(predictor.predict(x));
        expect(replayed).toEqual(await valuesOf(model.predict(x) as tf.Tensor | tf.Tensor[]));
        x.dispose();
      }
      expect(predictor.counts).toEqual({ direct: 1, captures: 1, replays: 2 });
      expect(predictor.dispatchCount).toBeGreaterThan(50);

      // A training-like weight change: the next calls see the new weights.
      const weight = model.getLayer('edge_encoder').weights[0]!;
      weight.write(tf.mul(weight.read(), 1.5));
      for (let seed = 5; seed <= 7; seed++) {
        const x = images(2, seed);
        expect(await valuesOf(predictor.predict(x))).toEqual(await valuesOf(model.predict(x) as tf.Tensor));
        x.dispose();
      }
      expect(predictor.counts).toEqual({ direct: 2, captures: 2, replays: 3 });
      predictor.dispose();
      model.dispose();
    },
  );

  it('sliding-window inference replays its tile batches and equals the TF.js path', async () => {
    const model = createBefunet(small('tiny'), {}, { seed: 2 });
    const scan = tf.randomUniform([2, 100, 90, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const options = { batchSize: 3 } as const;
    const reference = await predictProbabilities(model, scan, { ...options, replay: false });
    const expected = await reference.data();
    for (let run = 0; run < 3; run++) {
      const probabilities = await predictProbabilities(model, scan, options);
      expect(Array.from(await probabilities.data())).toEqual(Array.from(expected));
      probabilities.dispose();
    }
    const { counts } = replayedPredictor(model);
    expect(counts.replays).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    model.dispose(); // frees the shared predictor's captures too
    expect(tf.memory().numTensors).toBeLessThan(before);
    tf.dispose([scan, reference]);
  });
});

describe.runIf(!onWebGpu)('ReplayedPredictor off WebGPU', () => {
  it('is model.predict', async () => {
    const model = createBefunet(small('tiny'), {}, { seed: 3 });
    const predictor = new ReplayedPredictor(model);
    for (let seed = 1; seed <= 3; seed++) {
      const x = images(1, seed);
      expect(await valuesOf(predictor.predict(x))).toEqual(await valuesOf(model.predict(x) as tf.Tensor));
      x.dispose();
    }
    expect(predictor.counts).toEqual({ direct: 3, captures: 0, replays: 0 });
    model.dispose();
  });
});
