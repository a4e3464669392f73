/**
 * `train`: trains a BEFUnet on a segmentation data set.
 *
 * Each optimizer step takes batch `step` of `batchSize * accumulation` images from `trainingBatch`
 * (a pure function of (seed, step)), splits it into `accumulation` micro-batches, sums their
 * gradients (`accumulateGradients`), and applies SGD or AdamW at the scheduled learning rate.
 * Everything a step depends on is a function of the step number and the saved state (weights,
 * optimizer slots), so a run resumed from a checkpoint ends with the same weights, bit for bit, as
 * an uninterrupted one (on one backend, for models without dropout or drop-path: TF.js's dropout
 * draws are not seeded; the `tiny` preset has none).
 *
 * On WebGPU with SGD a step's two phases (gradients, update) replay captured GPU work once settled
 * (split-replayed-step.ts): the same weights, to the bit, without TF.js's CPU cost per launch.
 *
 * Validation (`evaluate`) runs every `everyEpochs` epochs and at the end; the best mean Dice is
 * kept (and saved under `best`). Checkpoints go to `latest` every `everySteps` steps, at the end,
 * and when `signal` aborts the run.
 *
 * The pieces: the options resolved once (train-options.ts), a step strategy, eager or replayed
 * (step-strategy.ts), handlers for progress, `onStep`, validation and checkpoints
 * (train-handlers.ts), resuming (resume.ts); `train` composes them in a short loop.
 */

import { addMissingWasmKernels } from '@befunet/kernels';
import type { AggregatedMetrics } from '@befunet/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Augmentation, trainingBatch } from '../data/batches.js';
import type { SegmentationDataset } from '../data/dataset.js';
import { prepareImages } from '../model/input.js';
import type { ProgressOptions } from '../util/progress.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { EvaluateOptions } from './evaluate.js';
import { createOptimizer, type OptimizerConfig } from './optimizer.js';
import { resumeFromLatest } from './resume.js';
import { RunningDice } from './running-dice.js';
import { type LrSchedule, learningRateAt } from './schedule.js';
import { createStepStrategy, type MicroBatches, type StepStrategy } from './step-strategy.js';
import {
  CallbackHandler,
  CheckpointHandler,
  ProgressHandler,
  refuseNonFiniteLoss,
  type TrainHandler,
  type TrainRun,
  ValidationHandler,
} from './train-handlers.js';
import { type ResolvedTrainOptions, resolveTrainOptions } from './train-options.js';
import type { BestMetric } from './train-state.js';
import type { TrainingLossOptions } from './training-loss.js';

export interface TrainOptions {
  /** Optimizer steps to train for; give this or `epochs`. */
  steps?: number;
  /** Epochs to train for (each `floor(length / (batchSize * accumulation))` steps); or `steps`. */
  epochs?: number;
  /** Images per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step (gradient accumulation). Defaults to 1. */
  accumulation?: number;
  /** Defaults to SGD, momentum 0.9, weight decay 1e-4 (the official recipe). */
  optimizer?: OptimizerConfig;
  /** Base learning rate. Defaults to 0.01 for SGD (the official recipe), 1e-3 for AdamW. */
  learningRate?: number;
  /** Defaults to poly decay, power 0.9, no warm-up. */
  schedule?: LrSchedule;
  /** Seed of the batch order and the augmentations. Defaults to 0. */
  seed?: number;
  /** Applied to every training sample, in order (see `trainingBatch`). */
  augmentations?: Augmentation[];
  /** Loss options (edge weight gamma, per-image terms). */
  loss?: TrainingLossOptions;
  validation?: {
    dataset: SegmentationDataset;
    /** Validate every this many epochs (and at the end). Defaults to 1. */
    everyEpochs?: number;
    /** Options of `evaluate` (batch size, HD95 on or off). */
    evaluate?: EvaluateOptions;
  };
  checkpoint?: {
    store: CheckpointStore;
    /** Save `latest` every this many steps (and at the end). Defaults to the end only. */
    everySteps?: number;
    /** Save the best validated model under `best`. Defaults to true. */
    keepBest?: boolean;
  };
  /** Continue from the store's `latest` checkpoint when there is one. Defaults to false. */
  resume?: boolean;
  /** Stops the run after the current step, with a `latest` checkpoint when a store is given. */
  signal?: AbortSignal;
  /** Where progress lines go (see `Progress`), or false for none. Defaults to process.stderr in Node.js, console.info in a browser. */
  progress?: ProgressOptions['stream'] | false;
  /** Called after every optimizer step. */
  onStep?: (info: StepInfo) => void;
  /** Called after every validation, with the record that `TrainResult.validations` gets. */
  onValidation?: (record: ValidationRecord) => void;
  /**
   * On WebGPU with SGD, replay each step's captured GPU work once it has settled (the same
   * weights, to the bit, without TF.js's CPU cost per kernel launch; see split-replayed-step.ts).
   * Defaults to true.
   */
  replay?: boolean;
}

export interface StepInfo {
  /** Optimizer steps done (1-based). */
  step: number;
  /** 0-based epoch of this step. */
  epoch: number;
  /** Loss of this step (mean over its micro-batches). */
  loss: number;
  /** Running hard Dice of this epoch's training batches (mean over foreground classes). */
  dice: number;
  learningRate: number;
}

export interface ValidationRecord {
  /** Optimizer steps done when it ran. */
  step: number;
  metrics: AggregatedMetrics;
  /** Whether it was the best mean Dice so far. */
  improved: boolean;
}

export interface TrainResult {
  /** Optimizer steps done (resumed ones included). */
  step: number;
  totalSteps: number;
  /** False when `signal` stopped the run early. */
  completed: boolean;
  /** The step the run resumed from, when it did. */
  resumedFrom?: number;
  /** Loss of each step run by this call. */
  losses: number[];
  /** Steps of this call whose update was replayed from a capture (WebGPU with SGD; see `replay`). */
  replayedSteps: number;
  validations: ValidationRecord[];
  best: BestMetric | null;
}

/** Trains `model` (built by `createBefunet`) on `dataset`; see the file's comment. */
export async function train(
  model: tfl.LayersModel,
  dataset: SegmentationDataset,
  options: TrainOptions,
): Promise<TrainResult> {
  const resolved = resolveTrainOptions(model, dataset, options);
  // TF.js 4.22's wasm backend lacks four gradient kernels BEFUnet needs; adding them changes nothing else.
  if (tf.getBackend() === 'wasm') addMissingWasmKernels();
  const optimizer = createOptimizer(resolved.optimizer);
  const run = startRun(resolved.totalSteps);
  const checkpoints = new CheckpointHandler(model, optimizer, resolved, run);
  const handlers = trainHandlers(model, resolved, run, checkpoints);
  const strategy = createStepStrategy(model, optimizer, resolved);
  try {
    const store = resolved.checkpoint?.store;
    if (resolved.resume && store) await resumeFromLatest(model, optimizer, store, resolved, run, checkpoints);
    await runSteps(strategy, handlers, resolved, run);
    run.result.completed = run.step >= resolved.totalSteps;
    for (const handler of handlers) await handler.atEnd?.(run.result.completed);
  } finally {
    run.result.replayedSteps = strategy.replayedSteps;
    strategy.dispose();
    optimizer.dispose();
  }
  return { ...run.result, step: run.step, best: run.best };
}

function startRun(totalSteps: number): TrainRun {
  const result: TrainResult = {
    step: 0,
    totalSteps,
    completed: false,
    losses: [],
    replayedSteps: 0,
    validations: [],
    best: null,
  };
  return { step: 0, best: null, result };
}

/** The handlers in the order they run after a step and at the end (validation before `latest`). */
function trainHandlers(
  model: tfl.LayersModel,
  options: ResolvedTrainOptions,
  run: TrainRun,
  checkpoints: CheckpointHandler,
): TrainHandler[] {
  const handlers: TrainHandler[] = [new ProgressHandler(options)];
  if (options.onStep) handlers.push(new CallbackHandler(options.onStep));
  if (options.validation)
    handlers.push(new ValidationHandler(model, options.validation, options, run, checkpoints));
  handlers.push(checkpoints);
  return handlers;
}

/** The loop: epochs of steps until the total or the signal, each step followed by the handlers. */
async function runSteps(
  strategy: StepStrategy,
  handlers: TrainHandler[],
  options: ResolvedTrainOptions,
  run: TrainRun,
): Promise<void> {
  const { stepsPerEpoch, totalSteps, signal } = options;
  while (run.step < totalSteps && !signal?.aborted) {
    const epoch = Math.floor(run.step / stepsPerEpoch);
    const end = Math.min((epoch + 1) * stepsPerEpoch, totalSteps);
    for (const handler of handlers) handler.startEpoch?.({ epoch, first: run.step, end });
    const dice = new RunningDice(options.config.numClasses);
    while (run.step < end && !signal?.aborted) {
      const lr = learningRateAt(options.schedule, options.baseLr, run.step, totalSteps);
      const batches = await microBatches(options, run.step);
      const at = run.step;
      const { loss, counts } = await strategy.step(batches, lr, (value) =>
        refuseNonFiniteLoss(value, at, lr),
      );
      run.step++;
      dice.add(counts);
      run.result.losses.push(loss);
      const info: StepInfo = { step: run.step, epoch, loss, dice: dice.value(), learningRate: lr };
      for (const handler of handlers) await handler.afterStep?.(info);
    }
  }
}

/** Batch `step` of the training set, prepared and split into `accumulation` micro-batches. */
async function microBatches(options: ResolvedTrainOptions, step: number): Promise<MicroBatches> {
  const { dataset, batchSize, accumulation, seed, augmentations, config } = options;
  const batch = await trainingBatch(
    dataset,
    { batchSize: batchSize * accumulation, seed, augmentations },
    step,
  );
  const micro = tf.tidy(() => {
    const images = prepareImages(batch.images, config.imageSize);
    return { images: tf.split(images, accumulation), labels: tf.split(batch.labels, accumulation) };
  });
  tf.dispose([batch.images, batch.labels]);
  return micro;
}
