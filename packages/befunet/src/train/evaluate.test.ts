import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import type { SegmentationDataset, SegmentationSample } from '../data/dataset.js';
import { befunetConfig } from '../model/config.js';
import { evaluate } from './evaluate.js';

const SIZE = 8;

/** A model whose logits are its input: each image is the one-hot encoding of its prediction. */
function identityModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [SIZE, SIZE, 3] });
  const output = tfl.layers.activation({ activation: 'linear' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const config = befunetConfig('tiny', { imageSize: 32, numClasses: 3 });
  model.setUserDefinedMetadata({
    befunet: { ...config, imageSize: SIZE } as unknown as Record<string, unknown>,
  });
  return model;
}

/** A label map with `square(class, row, col)` 2x2 blocks on background. */
function labelMap(blocks: [number, number, number][]): Int32Array {
  const m = new Int32Array(SIZE * SIZE);
  for (const [k, r, c] of blocks)
    for (const [dr, dc] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const)
      m[(r + dr) * SIZE + c + dc] = k;
  return m;
}

function sample(pred: Int32Array, truth: Int32Array, id: string): SegmentationSample {
  const image = new Float32Array(SIZE * SIZE * 3);
  pred.forEach((k, i) => {
    image[3 * i + k] = 1;
  });
  return { image, label: truth, height: SIZE, width: SIZE, channels: 3, id };
}

function dataset(samples: SegmentationSample[], numClasses = 3): SegmentationDataset {
  return { name: 'hand', length: samples.length, numClasses, channels: 3, get: async (i) => samples[i]! };
}

describe('evaluate', () => {
  it('gives per-class and mean Dice and HD95 as computed by hand', async () => {
    // Image 1: class 1 predicted at columns 1-2, true at columns 4-5 (Dice 0; every surface pixel is
    // 2 or 3 px from the other mask, so HD95 = 3); class 2 exact (Dice 1, HD95 0).
    // Image 2: both classes exact.
    const a = sample(
      labelMap([
        [1, 1, 1],
        [2, 5, 5],
      ]),
      labelMap([
        [1, 1, 4],
        [2, 5, 5],
      ]),
      'a',
    );
    const b = sample(
      labelMap([
        [1, 0, 0],
        [2, 4, 2],
      ]),
      labelMap([
        [1, 0, 0],
        [2, 4, 2],
      ]),
      'b',
    );
    const model = identityModel();
    const before = tf.memory().numTensors;
    const batches: number[] = [];
    const m = await evaluate(model, dataset([a, b]), { batchSize: 1, onBatch: (done) => batches.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(batches).toEqual([1, 2]);
    expect(m.cases).toBe(2);
    expect(m.classes).toEqual([1, 2]);
    expect(m.perClass.map((c) => c.dice)).toEqual([0.5, 1]);
    expect(m.perClass.map((c) => c.hd95)).toEqual([1.5, 0]);
    expect(m.mean.dice).toBe(0.75);
    expect(m.mean.hd95).toBe(0.75);
    model.dispose();
  });

  it('a data set with other classes than the model is a ConfigError', async () => {
    const model = identityModel();
    const a = sample(labelMap([]), labelMap([]), 'a');
    await expect(evaluate(model, dataset([a], 5))).rejects.toThrow(ConfigError);
    await expect(evaluate(model, dataset([a]), { batchSize: 0 })).rejects.toThrow(/batchSize/);
    model.dispose();
  });
});
