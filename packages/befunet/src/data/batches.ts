/**
 * Turning a data set into training batches, deterministically: the order of epoch `e` is a
 * permutation drawn from (seed, e), and the augmentation of the sample at position `p` of that
 * epoch draws from (seed, e, p). A batch is therefore a pure function of (seed, step), which is
 * what makes an interrupted run resumable from its step number alone.
 */
import { ConfigError, SeededRandom, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { checkSample } from './check-sample.js';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';

/** Changes a sample (geometry, intensity); must draw all randomness from `rng`. */
export type Augmentation = (sample: SegmentationSample, rng: SeededRandom) => SegmentationSample;

export interface BatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Seed of the order and the augmentations. */
  seed: number;
  /** Applied in order to every sample (resizing to the model's size included). */
  augmentations?: Augmentation[];
}

export interface Batch {
  /** [B, H, W, C] float32. */
  images: tf.Tensor4D;
  /** [B, H, W] int32. */
  labels: tf.Tensor3D;
  /** The samples' ids, in batch order. */
  ids: string[];
}

/** Mixes integers into one 32-bit seed (FNV-1a over their bytes). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (let k = 0; k < 4; k++) {
      h ^= (part >>> (8 * k)) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}

/** The order of the `length` samples in epoch `epoch` (Fisher-Yates with a seeded generator). */
export function epochOrder(seed: number, epoch: number, length: number): Int32Array {
  const order = Int32Array.from({ length }, (_, i) => i);
  const rng = new SeededRandom(mixSeed(seed, epoch, 0x5eed));
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Batches per epoch: the last partial batch is dropped, so every step sees `batchSize` images. */
export function batchesPerEpoch(length: number, batchSize: number): number {
  return Math.floor(length / batchSize);
}

/** Stacks samples of one size into tensors; the caller owns them. */
export function stackSamples(samples: SegmentationSample[]): Batch {
  const first = samples[0];
  if (!first) throw new ShapeError('cannot stack an empty list of samples');
  const { height, width, channels } = first;
  const pixels = height * width;
  const images = new Float32Array(samples.length * pixels * channels);
  const labels = new Int32Array(samples.length * pixels);
  samples.forEach((s, i) => {
    checkSample(s);
    if (s.height !== height || s.width !== width || s.channels !== channels) {
      throw new ShapeError(
        `samples of one batch must share a size: ${s.id} is ${s.height}x${s.width}x${s.channels}, ` +
          `${first.id} is ${height}x${width}x${channels}; add a resize augmentation`,
      );
    }
    images.set(s.image, i * pixels * channels);
    labels.set(s.label, i * pixels);
  });
  return {
    images: tf.tensor4d(images, [samples.length, height, width, channels]),
    labels: tf.tensor3d(labels, [samples.length, height, width], 'int32'),
    ids: samples.map((s) => s.id),
  };
}

/**
 * Training batch number `step` (0-based, counted over all epochs) of `dataset`, augmented.
 * The same (dataset, options, step) always gives the same batch.
 */
export async function trainingBatch(
  dataset: SegmentationDataset,
  options: BatchOptions,
  step: number,
): Promise<Batch> {
  const { batchSize, seed } = options;
  const perEpoch = batchesPerEpoch(dataset.length, batchSize);
  if (perEpoch < 1) {
    throw new ConfigError(
      `data set '${dataset.name}' has ${dataset.length} samples, fewer than one batch of ${batchSize}`,
    );
  }
  const epoch = Math.floor(step / perEpoch);
  const order = epochOrder(seed, epoch, dataset.length);
  const first = (step % perEpoch) * batchSize;
  const samples = await Promise.all(
    Array.from({ length: batchSize }, async (_, k) => {
      const position = first + k;
      let sample = await dataset.get(order[position]!);
      const rng = new SeededRandom(mixSeed(seed, epoch, position));
      for (const augment of options.augmentations ?? []) sample = augment(sample, rng);
      checkSample(sample, dataset.numClasses);
      return sample;
    }),
  );
  return stackSamples(samples);
}
