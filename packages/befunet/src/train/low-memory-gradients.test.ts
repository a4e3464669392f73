import { installLowMemoryGradients } from '@befunet/kernels';
import { closeness, TOLERANCE, weightsAfterSgdSteps } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';

// @befunet/kernels tests its low-memory backpropagation on plain models; this checks BEFUnet's layers
// (custom gradients, composite layers) under it.
let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('BEFUnet under installLowMemoryGradients', () => {
  it('trains the tiny network to the same weights as TF.js’s own backpropagation', async () => {
    const config = befunetConfig('tiny', { imageSize: 32 });
    const model = createBefunet(config);
    const initial = model.getWeights().map((w) => tf.clone(w));
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5);
    const labels = tf.oneHot(
      tf.randomUniform([2, 32, 32], 0, config.numClasses, 'int32', 6),
      config.numClasses,
    );
    const train = () => weightsAfterSgdSteps(model, initial, images, labels);
    const own = await train();
    restore = installLowMemoryGradients();
    const ours = await train();
    ours.forEach((values, i) => {
      expect(closeness(values, own[i]!, TOLERANCE.op).mismatches, model.weights[i]!.name).toBe(0);
    });
    const start = await Promise.all(initial.map(async (w) => Array.from(await w.data())));
    const moved = ours.filter((values, i) => values.some((v, j) => v !== start[i]![j])).length;
    expect(moved, 'weights changed by the two steps').toBeGreaterThan(ours.length / 2);
    tf.dispose([images, labels, ...initial]);
    model.dispose();
  });
});
