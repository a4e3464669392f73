/**
 * The loss functions as TF.js models take them: `model.compile({ loss })` and one `fit` step.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { bodyLossFn } from './body-loss.js';
import { officialDiceCeLossFn } from './dice-ce-loss.js';
import { edgeLossFn } from './edge-loss.js';
import type { LossFn } from './loss-fn.js';

function tinyModel(channels: number, activation: 'linear' | 'sigmoid'): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      inputShape: [4, 4, 2],
      filters: channels,
      kernelSize: 1,
      activation,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  return model;
}

async function fitOnce(model: tfl.LayersModel, loss: LossFn, y: tf.Tensor): Promise<number[]> {
  model.compile({ optimizer: tf.train.sgd(0.1), loss });
  const x = tf.tensor(
    Array.from({ length: 32 }, (_, i) => Math.sin(i)),
    [1, 4, 4, 2],
  );
  const h = await model.fit(x, y, { epochs: 2, batchSize: 1, verbose: 0 });
  tf.dispose(x);
  return h.history.loss as number[];
}

describe('losses in LayersModel.compile / fit', () => {
  it('official Dice+CE with one-hot labels', async () => {
    const labels = tf.tensor(
      Array.from({ length: 16 }, (_, i) => i % 3),
      [1, 4, 4],
      'int32',
    );
    const y = tf.oneHot(labels as tf.Tensor3D, 3);
    const losses = await fitOnce(tinyModel(3, 'linear'), officialDiceCeLossFn(), y);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[1]).toBeLessThan(losses[0]!);
    tf.dispose([labels, y]);
  });

  it('binary body loss and edge loss', async () => {
    const y = tf.tensor(
      Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)),
      [1, 4, 4, 1],
    );
    const body = await fitOnce(tinyModel(1, 'linear'), bodyLossFn(), y);
    expect(body[1]).toBeLessThan(body[0]!);
    const edge = await fitOnce(tinyModel(1, 'sigmoid'), edgeLossFn(), y);
    expect(edge[1]).toBeLessThan(edge[0]!);
    tf.dispose(y);
  });
});
