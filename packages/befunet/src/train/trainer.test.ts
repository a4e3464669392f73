import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerFastCpuKernels, restoreCpuKernels } from '@befunet/kernels';
import { closeness } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticDataset } from '../data/synthetic-dataset.js';
import { createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';
import { fileCheckpointStore } from './file-checkpoint-store.js';
import { type TrainOptions, train, type ValidationRecord } from './trainer.js';

// The tiny preset, made smaller still so that a step takes well under a second on a CPU core.
const CONFIG = befunetConfig('tiny', {
  imageSize: 32,
  edgeChannels: 8,
  swin: { embedDim: 8 },
  decoder: { width: 16, predChannels: 8, groups: 8 },
});
const data = (length: number, seed = 7) => new SyntheticDataset(length, seed, { size: 32, numClasses: 4 });
const quiet = { progress: false } as const;

/** A fresh model with the same initial weights as `like` (when given). */
function modelLike(like?: tfl.LayersModel): tfl.LayersModel {
  const model = createBefunet(CONFIG);
  if (like) model.setWeights(like.getWeights());
  return model;
}

async function weightValues(model: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

const cpuOnly = (skip: (condition: boolean, note?: string) => void) =>
  skip(tf.getBackend() !== 'cpu', 'a cpu check (exact or multi-run comparisons; software WebGPU is slow)');

let dir: string;
beforeAll(async () => {
  if (tf.getBackend() === 'cpu') registerFastCpuKernels();
  dir = await mkdtemp(join(tmpdir(), 'befunet-trainer-'));
});
afterAll(async () => {
  if (tf.getBackend() === 'cpu') restoreCpuKernels();
  await rm(dir, { recursive: true, force: true });
});

describe('train', () => {
  it('decreases the loss on a small problem', async () => {
    // Seeded initial weights: the same run every time (unseeded, last / first varied 0.63-0.84).
    const model = createBefunet(CONFIG, {}, { seed: 1 });
    const result = await train(model, data(4), {
      ...quiet,
      steps: 8,
      batchSize: 2,
      optimizer: { kind: 'adamw', weightDecay: 0 },
      learningRate: 3e-3,
      schedule: { kind: 'constant' },
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(result.losses.slice(0, 2));
    const last = mean(result.losses.slice(-2));
    console.log(
      `loss ${first.toFixed(4)} -> ${last.toFixed(4)} (${tf.getBackend()})`,
      result.losses.map((l) => l.toFixed(3)).join(' '),
    );
    expect(result.completed).toBe(true);
    expect(result.step).toBe(8);
    // Seed 1: last / first 0.771 on cpu and on webgpu (seeds 0-7 on cpu: 0.72-0.84).
    expect(last).toBeLessThan(0.8 * first);
    model.dispose();
  });

  it('resumed from a checkpoint, ends with the same weights bit for bit', async ({ skip }) => {
    cpuOnly(skip);
    const options: TrainOptions = {
      ...quiet,
      steps: 4,
      batchSize: 2,
      optimizer: { kind: 'adamw' },
      learningRate: 2e-3,
      seed: 11,
      validation: { dataset: data(2, 99), evaluate: { hd95: false } },
    };
    const initial = modelLike();
    const straight = modelLike(initial);
    const full = await train(straight, data(4), options);

    const store = fileCheckpointStore(join(dir, 'resume'));
    const first = modelLike(initial);
    const stop = new AbortController();
    const half = await train(first, data(4), {
      ...options,
      checkpoint: { store },
      signal: stop.signal,
      onStep: ({ step }) => step === 2 && stop.abort(),
    });
    expect(half).toMatchObject({ step: 2, completed: false });
    first.dispose();

    // An interrupted run resumes only with its own total (its schedule depends on it).
    const other = modelLike();
    await expect(
      train(other, data(4), { ...options, steps: 6, checkpoint: { store }, resume: true }),
    ).rejects.toThrow(/stopped at step 2 of 4; finish it with the same total \(4 steps\)/);

    const resumed = modelLike(); // other initial weights: the checkpoint replaces them all
    const rest = await train(resumed, data(4), { ...options, checkpoint: { store }, resume: true });
    expect(rest).toMatchObject({ step: 4, completed: true, resumedFrom: 2 });
    expect(rest.losses).toEqual(full.losses.slice(2));
    const [a, b] = [await weightValues(straight), await weightValues(resumed)];
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => {
      expect(b[i], `weight ${i}`).toEqual(w);
    });
    // The best validation carried over the interruption is the one of the straight run.
    expect(rest.best).toEqual(full.best);
    await expect(
      train(modelLike(), data(4), { ...options, seed: 12, checkpoint: { store }, resume: true }),
    ).rejects.toThrow(/seed: 11 vs 12/);

    // A finished run extends to a longer total, the poly schedule spanning the new total
    // (lr = base (1 - step/6)^0.9 at steps 4 and 5); a shorter total is refused.
    await expect(
      train(other, data(4), { ...options, steps: 3, checkpoint: { store }, resume: true }),
    ).rejects.toThrow(/already finished its 4 steps; to extend it, give more than 4 \(got 3\)/);
    const rates: number[] = [];
    const extended = await train(resumed, data(4), {
      ...options,
      steps: 6,
      checkpoint: { store },
      resume: true,
      onStep: ({ learningRate }) => rates.push(learningRate),
    });
    expect(extended).toMatchObject({ step: 6, completed: true, resumedFrom: 4 });
    expect(extended.losses).toHaveLength(2);
    expect(rates[0]).toBeCloseTo(2e-3 * (1 - 4 / 6) ** 0.9, 12);
    expect(rates[1]).toBeCloseTo(2e-3 * (1 - 5 / 6) ** 0.9, 12);
    for (const m of [initial, straight, resumed, other]) m.dispose();
  });

  it('on WebGPU with SGD, replayed steps give the weights of TF.js steps bit for bit', async ({ skip }) => {
    skip(tf.getBackend() !== 'webgpu', 'replay is a WebGPU path');
    const options: TrainOptions = {
      ...quiet,
      steps: 7,
      batchSize: 1,
      accumulation: 2,
      optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 },
      learningRate: 0.05,
      seed: 5,
    };
    const initial = modelLike();
    const direct = modelLike(initial);
    const replayed = modelLike(initial);
    const a = await train(direct, data(4), { ...options, replay: false });
    const b = await train(replayed, data(4), options);
    expect(a.replayedSteps).toBe(0);
    // Steps 1-2 run the update through TF.js and capture it; the gradients phase settles at step 4.
    expect(b.replayedSteps).toBe(5);
    expect(b.losses).toEqual(a.losses);
    const [wa, wb] = [await weightValues(direct), await weightValues(replayed)];
    wa.forEach((w, i) => {
      expect(
        wb[i]!.every((v, j) => Object.is(v, w[j])),
        `weight ${i}`,
      ).toBe(true);
    });
    for (const m of [initial, direct, replayed]) m.dispose();
  });

  it('k micro-batches of b give the update of one batch of k * b (per-image loss)', async ({ skip }) => {
    cpuOnly(skip);
    const initial = modelLike();
    const w0 = await weightValues(initial);
    const common: TrainOptions = {
      ...quiet,
      steps: 1,
      batchSize: 4,
      learningRate: 0.1,
      schedule: { kind: 'constant' },
      loss: { perImage: true },
    };
    const whole = modelLike(initial);
    const one = await train(whole, data(4), common);
    const split = modelLike(initial);
    const two = await train(split, data(4), { ...common, batchSize: 2, accumulation: 2 });
    expect(two.losses[0]).toBeCloseTo(one.losses[0]!, 5);
    const [a, b] = [await weightValues(whole), await weightValues(split)];
    a.forEach((w, i) => {
      const deltaA = w.map((x, j) => x - w0[i]![j]!);
      const deltaB = b[i]!.map((x, j) => x - w0[i]![j]!);
      const scale = deltaA.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const c = closeness(deltaB, deltaA, { atol: 1e-3 * scale + 1e-7, rtol: 0 });
      expect(c.mismatches, `weight ${i}: update differs by up to ${c.maxAbsError} (scale ${scale})`).toBe(0);
    });
    for (const m of [initial, whole, split]) m.dispose();
  });

  it('calls onValidation with each validation record, as the result lists them', async () => {
    const model = modelLike();
    const seen: ValidationRecord[] = [];
    const result = await train(model, data(2), {
      ...quiet,
      batchSize: 1,
      steps: 4,
      validation: { dataset: data(1, 5), evaluate: { hd95: false } },
      onValidation: (record) => seen.push(record),
    });
    expect(seen.map((r) => r.step)).toEqual([2, 4]);
    expect(seen).toEqual(result.validations);
    model.dispose();
  });

  it('keeps the number of live tensors constant from step to step', async ({ skip }) => {
    cpuOnly(skip);
    const model = modelLike();
    const options: TrainOptions = {
      ...quiet,
      batchSize: 1,
      accumulation: 2,
      validation: { dataset: data(1, 5), evaluate: { hd95: false } },
    };
    // A first run builds what the layers make once (cached constants) ...
    await train(model, data(4), { ...options, steps: 1 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    // ... then a run leaves nothing behind, and no step adds a tensor.
    await train(model, data(4), {
      ...options,
      steps: 4,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(counts).toEqual([counts[0], counts[0], counts[0], counts[0]]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
