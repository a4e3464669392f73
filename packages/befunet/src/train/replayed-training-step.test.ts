/**
 * Replayed training steps of whole BEFUnets against the same steps through TF.js: with the same
 * random draws (drop path, dropout), the same losses and the same weights and momentum buffers, to the bit.
 */
import { testProject } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';
import { ReplayedTrainingStep } from './replayed-training-step.js';
import { Sgd } from './sgd.js';
import { trainingLoss } from './training-loss.js';

const onWebGpu = testProject() === 'webgpu';

const small = (preset: 'official' | 'paper') =>
  befunetConfig(preset, {
    imageSize: 32,
    numClasses: 3,
    swin: {
      embedDim: 8,
      numHeads: [1, 1, 2, 2],
      windowSize: 2,
      dropPathRate: 0.3,
      dropRate: 0.1,
      attnDropRate: 0.1,
    },
    ...(preset === 'paper'
      ? {
          edgeChannels: 8,
          lcaf: { window: 2, shifted: true },
          dlf: { largeHeads: 1, smallHeads: 1 },
          decoder: { width: 8, predChannels: 4, groups: 4 },
        }
      : {}),
  });

/** Math.random as a seeded stream (drop path draws from it), restarted for each run. */
function seedMathRandom() {
  let state = 2024;
  vi.spyOn(Math, 'random').mockImplementation(() => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  });
}

const batch = (step: number) => ({
  images: tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 10 + step),
  labels: tf.randomUniform([2, 32, 32], 0, 3, 'int32', 20 + step),
});

/** `steps` steps, replayed where possible or (`replay: false`) all through TF.js. */
async function train(preset: 'official' | 'paper', replay: boolean, steps = 5) {
  seedMathRandom();
  const model = createBefunet(small(preset), {}, { seed: 3 });
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 1e-4 });
  const config = small(preset);
  const stepper = new ReplayedTrainingStep(model, optimizer, (outputs, labels) =>
    trainingLoss(config.graph, outputs, labels),
  );
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { images, labels } = batch(step);
    const lr = 0.05 / (step + 1);
    const loss = replay ? stepper.run(images, labels, lr) : stepper.runDirect(images, labels, lr);
    losses.push((await loss.data())[0]!);
    tf.dispose([images, labels, loss]);
  }
  const weights = await Promise.all(model.weights.map(async (w) => Array.from(await w.read().data())));
  const slots = await Promise.all(
    [...optimizer.getState().slots.values()].map(async (t) => Array.from(await t.data())),
  );
  const result = { losses, weights, slots, counts: { ...stepper.counts }, steps: optimizer.steps };
  stepper.dispose();
  optimizer.dispose();
  model.dispose();
  vi.restoreAllMocks();
  return result;
}

describe.runIf(onWebGpu)('ReplayedTrainingStep on WebGPU', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(['official', 'paper'] as const)(
    '%s: replayed steps give the weights of TF.js steps, bit for bit',
    async (preset) => {
      expect(tf.getBackend()).toBe('webgpu');
      const reference = await train(preset, false);
      const replayed = await train(preset, true);
      expect(replayed.counts).toEqual({ direct: 1, captures: 1, replays: 3 });
      expect(replayed.steps).toBe(5);
      expect(replayed.losses).toEqual(reference.losses);
      expect(new Set(reference.losses).size).toBe(5); // the steps did change the model
      // Compared one array at a time: a failure names the weight without printing the model.
      expect(replayed.weights.length).toBe(reference.weights.length);
      for (let i = 0; i < reference.weights.length; i++) {
        expect(
          replayed.weights[i]!.every((v, j) => Object.is(v, reference.weights[i]![j])),
          `weight ${i}`,
        ).toBe(true);
      }
      for (let i = 0; i < reference.slots.length; i++) {
        expect(
          replayed.slots[i]!.every((v, j) => Object.is(v, reference.slots[i]![j])),
          `slot ${i}`,
        ).toBe(true);
      }
    },
  );
});

describe.runIf(!onWebGpu)('ReplayedTrainingStep off WebGPU', () => {
  it('runs every step through TF.js', async () => {
    const replayed = await train('official', true, 3);
    expect(replayed.counts).toEqual({ direct: 3, captures: 0, replays: 0 });
    expect(replayed.losses.every(Number.isFinite)).toBe(true);
  });
});
