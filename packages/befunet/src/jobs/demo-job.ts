/**
 * The main job on the embedded default: trains the `tiny` BEFUnet on synthetic organ images for a
 * few steps (cross-entropy + Dice on the logits, the edge loss of eq. 14 on the edge maps), then
 * evaluates Dice and HD95 on held-out synthetic images and saves the model and the metrics.
 * No download is needed. The full trainer (schedules, checkpoints, resume) is future work; this job
 * shows the whole pipeline running end to end.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diceCeLoss, edgeLoss, edgeTargets, segmentationMetrics } from '@befunet/losses';
import * as tf from '@tensorflow/tfjs-core';
import { syntheticSample } from '../data/synthetic.js';
import { createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';
import { segment } from '../model/input.js';
import { nodeFileSystem } from '../node/file-system.js';
import { Progress } from '../util/progress.js';

export interface DemoJobOptions {
  /** Training steps. */
  steps: number;
  /** Images per step. */
  batch: number;
  /** Image side in pixels (a multiple of 32). */
  size: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Seed of the data. */
  seed: number;
  /** Where the model and metrics go. */
  outDir: string;
  /** Held-out images for the evaluation. */
  evalImages: number;
}

export interface DemoJobResult {
  firstLoss: number;
  lastLoss: number;
  meanDice: number;
  meanHd95: number;
  outDir: string;
}

const NUM_CLASSES = 4;

/** A batch of synthetic images [B, S, S, 1] and labels [B, S, S] (int32). */
function syntheticBatch(seed: number, first: number, count: number, size: number) {
  const samples = Array.from({ length: count }, (_, i) =>
    syntheticSample(seed, first + i, { size, numClasses: NUM_CLASSES }),
  );
  const images = new Float32Array(count * size * size);
  const labels = new Int32Array(count * size * size);
  samples.forEach((s, i) => {
    images.set(s.image, i * size * size);
    labels.set(s.label, i * size * size);
  });
  return {
    images: tf.tensor4d(images, [count, size, size, 1]),
    labels: tf.tensor3d(labels, [count, size, size], 'int32'),
  };
}

export async function runDemoJob(options: DemoJobOptions): Promise<DemoJobResult> {
  const { steps, batch, size, seed, outDir, evalImages, learningRate } = options;
  const config = befunetConfig('tiny', { imageSize: size, numClasses: NUM_CLASSES });
  tf.util.assert(Number.isInteger(seed), () => 'seed must be an integer');
  const model = createBefunet(config);
  console.error(
    `model: tiny preset at ${size}x${size}, ${model.countParams().toLocaleString('en-US')} parameters, ${NUM_CLASSES} classes`,
  );
  const optimizer = tf.train.adam(learningRate);
  const progress = new Progress('train', steps, { unit: 'images', itemsPerStep: batch });
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  for (let step = 1; step <= steps; step++) {
    const { images, labels } = syntheticBatch(seed, step * batch, batch, size);
    const rgb = tf.tile(images, [1, 1, 1, 3]);
    const target = edgeTargets(labels, { thickness: 1 });
    const loss = optimizer.minimize(() => {
      const [logits, edges] = model.apply(rgb, { training: true }) as tf.Tensor[];
      const edgeTerm = edgeLoss(target, tf.split(edges!, 4, -1), { sigmoid: false, reduction: 'mean' });
      return tf.add(diceCeLoss(labels, logits!), tf.mul(0.5, edgeTerm)) as tf.Scalar;
    }, true)!;
    lastLoss = (await loss.data())[0]!;
    if (step === 1) firstLoss = lastLoss;
    tf.dispose([images, labels, rgb, target, loss]);
    progress.update(step, { loss: lastLoss });
  }

  const { images, labels } = syntheticBatch(seed + 1_000_000, 0, evalImages, size);
  const logits = await segment(model, images);
  const predicted = tf.argMax(logits, -1);
  const [pred, truth] = await Promise.all([predicted.data(), labels.data()]);
  const perImage = Array.from({ length: evalImages }, (_, i) => {
    const n = size * size;
    return segmentationMetrics(
      pred.subarray(i * n, (i + 1) * n),
      truth.subarray(i * n, (i + 1) * n),
      [size, size],
      {
        numClasses: NUM_CLASSES,
      },
    ).mean;
  });
  tf.dispose([images, labels, logits, predicted]);
  const mean = (k: 'dice' | 'hd95') => perImage.reduce((s, m) => s + m[k], 0) / perImage.length;

  await mkdir(outDir, { recursive: true });
  await model.save(nodeFileSystem(join(outDir, 'model')));
  const result: DemoJobResult = {
    firstLoss,
    lastLoss,
    meanDice: mean('dice'),
    meanHd95: mean('hd95'),
    outDir,
  };
  await writeFile(
    join(outDir, 'metrics.json'),
    `${JSON.stringify({ ...result, config, steps, batch, perImage }, null, 2)}\n`,
  );
  optimizer.dispose();
  model.dispose();
  return result;
}
