import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { epochOrder, mixSeed, stackSamples, trainingBatch } from './batches.js';
import type { SegmentationSample } from './dataset.js';
import { SyntheticDataset } from './synthetic-dataset.js';

describe('epochOrder', () => {
  it('is a permutation that depends on the seed and the epoch', () => {
    const a = epochOrder(1, 0, 50);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...epochOrder(1, 0, 50)]).toEqual([...a]);
    expect([...epochOrder(1, 1, 50)]).not.toEqual([...a]);
    expect([...epochOrder(2, 0, 50)]).not.toEqual([...a]);
  });
  it('mixSeed separates its arguments', () => {
    expect(mixSeed(1, 23)).not.toBe(mixSeed(12, 3));
  });
});

describe('trainingBatch', () => {
  const data = new SyntheticDataset(10, 3, { size: 16 });
  it('is a pure function of the step, walks through every sample once per epoch', async () => {
    const opts = { batchSize: 3, seed: 7 };
    const seen: string[] = [];
    for (let step = 0; step < 3; step++) {
      const b = await trainingBatch(data, opts, step);
      expect(b.images.shape).toEqual([3, 16, 16, 1]);
      expect(b.labels.dtype).toBe('int32');
      seen.push(...b.ids);
      tf.dispose([b.images, b.labels]);
    }
    expect(new Set(seen).size).toBe(9);
    const again = await trainingBatch(data, opts, 1);
    const before = await trainingBatch(data, opts, 1);
    expect(again.ids).toEqual(before.ids);
    expect(await again.images.data()).toEqual(await before.images.data());
    tf.dispose([again.images, again.labels, before.images, before.labels]);
  });
  it('gives each position its own augmentation generator', async () => {
    const draws: number[] = [];
    const b = await trainingBatch(
      data,
      {
        batchSize: 2,
        seed: 1,
        augmentations: [
          (s, rng) => {
            draws.push(rng.next());
            return s;
          },
        ],
      },
      0,
    );
    tf.dispose([b.images, b.labels]);
    expect(draws[0]).not.toBe(draws[1]);
  });
  it('names the problem when the data set is smaller than a batch', async () => {
    await expect(trainingBatch(data, { batchSize: 11, seed: 1 }, 0)).rejects.toThrow(ConfigError);
  });
});

describe('stackSamples', () => {
  const sample = (h: number, id: string): SegmentationSample => ({
    image: new Float32Array(h * 4),
    label: new Int32Array(h * 4),
    height: h,
    width: 4,
    channels: 1,
    id,
  });
  it('rejects samples of different sizes, naming both', () => {
    expect(() => stackSamples([sample(4, 'a.png'), sample(5, 'b.png')])).toThrow(ShapeError);
    expect(() => stackSamples([sample(4, 'a.png'), sample(5, 'b.png')])).toThrow(/b\.png is 5x4x1.*a\.png/);
  });
  it('rejects an empty list', () => {
    expect(() => stackSamples([])).toThrow(/empty/);
  });
});
