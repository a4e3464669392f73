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
 */
import { ConfigError, InvalidValueError, readBack } from '@befunet/common';
import type { AggregatedMetrics } from '@befunet/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Augmentation, batchesPerEpoch, trainingBatch } from '../data/batches.js';
import type { SegmentationDataset } from '../data/dataset.js';
import { releaseReplay } from '../inference/replayed-predictor.js';
import { addMissingWasmKernels } from '../kernels/wasm-kernels.js';
import { befunetConfigOf } from '../model/befunet.js';
import { prepareImages } from '../model/input.js';
import { defaultProgressStream, Progress, type ProgressOptions } from '../util/progress.js';
import { accumulateGradients } from './accumulate-gradients.js';
import {
  encodeCheckpoint,
  namedWeights,
  readCheckpointState,
  restoreCheckpoint,
  type TrainProgressState,
} from './checkpoint.js';
import type { CheckpointStore, CheckpointTag } from './checkpoint-store.js';
import { type EvaluateOptions, evaluate } from './evaluate.js';
import { jsonDifference } from './json-difference.js';
import { createOptimizer, type OptimizerConfig, resolveOptimizerConfig } from './optimizer.js';
import { classCounts, RunningDice } from './running-dice.js';
import { type LrSchedule, learningRateAt, resolveSchedule } from './schedule.js';
import { Sgd } from './sgd.js';
import { type ParameterUpdate, trainingState } from './slot-optimizer.js';
import { SplitReplayedStep, type StepGradients } from './split-replayed-step.js';
import type { BestMetric, TrainState } from './train-state.js';
import { type TrainingLossOptions, trainingLoss } from './training-loss.js';

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

function positiveInteger(value: number, what: string): number {
  if (!(Number.isInteger(value) && value >= 1))
    throw new ConfigError(`${what} must be an integer >= 1, got ${value}`);
  return value;
}

/** Trains `model` (built by `createBefunet`) on `dataset`; see the file's comment. */
export async function train(
  model: tfl.LayersModel,
  dataset: SegmentationDataset,
  options: TrainOptions,
): Promise<TrainResult> {
  const config = befunetConfigOf(model);
  // TF.js 4.22's wasm backend lacks four gradient kernels BEFUnet needs; adding them changes nothing else.
  if (tf.getBackend() === 'wasm') addMissingWasmKernels();
  const batchSize = positiveInteger(options.batchSize, 'train: batchSize');
  const accumulation = positiveInteger(options.accumulation ?? 1, 'train: accumulation');
  const seed = options.seed ?? 0;
  if (!(Number.isSafeInteger(seed) && seed >= 0))
    throw new ConfigError(`train: seed must be an integer >= 0, got ${seed}`);
  if (dataset.numClasses !== config.numClasses) {
    throw new ConfigError(
      `train: data set '${dataset.name}' has ${dataset.numClasses} classes, the model ${config.numClasses}`,
    );
  }
  const stepsPerEpoch = batchesPerEpoch(dataset.length, batchSize * accumulation);
  if (stepsPerEpoch < 1) {
    throw new ConfigError(
      `train: data set '${dataset.name}' has ${dataset.length} samples, fewer than one step of ${batchSize} x ${accumulation}`,
    );
  }
  if ((options.steps === undefined) === (options.epochs === undefined)) {
    throw new ConfigError('train: give exactly one of steps and epochs');
  }
  const totalSteps =
    options.steps !== undefined
      ? positiveInteger(options.steps, 'train: steps')
      : positiveInteger(options.epochs!, 'train: epochs') * stepsPerEpoch;
  const optimizerConfig = resolveOptimizerConfig(options.optimizer ?? { kind: 'sgd' });
  const baseLr = options.learningRate ?? (optimizerConfig.kind === 'sgd' ? 0.01 : 1e-3);
  if (!(baseLr > 0 && Number.isFinite(baseLr)))
    throw new ConfigError(`train: learningRate must be > 0, got ${baseLr}`);
  const schedule = resolveSchedule(options.schedule ?? { kind: 'poly' }, totalSteps);
  const lossOptions = options.loss ?? {};
  const everyEpochs = positiveInteger(options.validation?.everyEpochs ?? 1, 'train: validation.everyEpochs');
  const everySteps = options.checkpoint?.everySteps;
  if (everySteps !== undefined) positiveInteger(everySteps, 'train: checkpoint.everySteps');
  const store = options.checkpoint?.store;
  if (options.resume && !store) throw new ConfigError('train: resume needs checkpoint.store');

  const params = [...namedWeights(model)]
    .filter(([, w]) => w.trainable)
    .map(([name, w]) => ({ name, variable: w.read() as tf.Variable }));
  const variables = params.map((p) => p.variable);
  const optimizer = createOptimizer(optimizerConfig);
  const epochs = Math.ceil(totalSteps / stepsPerEpoch);
  let step = 0;
  let best: BestMetric | null = null;
  let savedStep = -1;
  const result: TrainResult = {
    step,
    totalSteps,
    completed: false,
    losses: [],
    replayedSteps: 0,
    validations: [],
    best,
  };

  const progressState = (): TrainProgressState => ({
    step,
    epoch: Math.floor(step / stepsPerEpoch),
    totalSteps,
    seed,
    batchSize,
    accumulation,
    learningRate: baseLr,
    schedule,
    optimizer: optimizer.config,
    loss: lossOptions,
    best,
  });
  const save = async (tag: CheckpointTag) => {
    if (!store) return;
    await store.save(tag, await encodeCheckpoint(model, optimizer, progressState()));
    if (tag === 'latest') savedStep = step;
  };
  // One stream for log lines and progress bars (in a browser, one line buffer for both).
  const progressStream =
    options.progress === false ? undefined : (options.progress ?? defaultProgressStream());
  const log = (line: string) => progressStream?.write(`${line}\n`);

  /** The gradients phase of a step through TF.js: one entry of `images` and `labels` per micro-batch. */
  const computeGradients = (images: tf.Tensor[], labels: tf.Tensor[]): StepGradients => {
    const counts: tf.Tensor[] = [];
    const { loss, gradients } = accumulateGradients(variables, images.length, (i) => {
      const outputs = model.apply(images[i]!, { training: true }) as tf.Tensor | tf.Tensor[];
      counts.push(tf.keep(classCounts(Array.isArray(outputs) ? outputs[0]! : outputs, labels[i]!)));
      return trainingLoss(config.graph, outputs, labels[i]!, lossOptions);
    });
    const countSum = tf.addN(counts);
    tf.dispose(counts);
    return { loss, countSum, gradients };
  };
  // On WebGPU with SGD, both phases of a step replay captured GPU work (split-replayed-step.ts).
  const replayed =
    (options.replay ?? true) && optimizer instanceof Sgd && tf.getBackend() === 'webgpu'
      ? new SplitReplayedStep(params, optimizer, computeGradients, () => trainingState(model, optimizer))
      : undefined;

  const runStep = async (): Promise<{ loss: number; counts: Float32Array; lr: number }> => {
    const lr = learningRateAt(schedule, baseLr, step, totalSteps);
    const batch = await trainingBatch(
      dataset,
      { batchSize: batchSize * accumulation, seed, augmentations: options.augmentations ?? [] },
      step,
    );
    const micro = tf.tidy(() => {
      const images = prepareImages(batch.images, config.imageSize);
      return { images: tf.split(images, accumulation), labels: tf.split(batch.labels, accumulation) };
    });
    tf.dispose([batch.images, batch.labels]);
    const { loss, countSum, gradients } = replayed
      ? replayed.gradients(micro.images, micro.labels)
      : computeGradients(micro.images, micro.labels);
    tf.dispose([...micro.images, ...micro.labels]);
    try {
      const [lossValue, countValues] = await readBack('training step', () =>
        Promise.all([loss.data(), countSum.data()]),
      );
      if (!Number.isFinite(lossValue[0])) {
        throw new InvalidValueError(
          `train: the loss is ${lossValue[0]} at step ${step + 1} (learning rate ${lr}); lower the learning rate`,
        );
      }
      if (replayed) replayed.update(gradients, lr);
      else {
        const updates = params.flatMap((p, j): ParameterUpdate[] =>
          gradients[j] ? [{ ...p, gradient: gradients[j] }] : [],
        );
        optimizer.apply(updates, lr);
      }
      return { loss: lossValue[0]!, counts: countValues as Float32Array, lr };
    } finally {
      tf.dispose([loss, countSum, ...gradients.filter((g) => g !== undefined)]);
    }
  };

  const validate = async () => {
    if (!options.validation) return;
    const metrics = await evaluate(model, options.validation.dataset, options.validation.evaluate).finally(
      () => releaseReplay(model), // the next steps change the weights: free the capture's GPU memory now
    );
    const improved = !best || metrics.mean.dice > best.value;
    if (improved) best = { metric: 'meanDice', value: metrics.mean.dice, step };
    result.validations.push({ step, metrics, improved });
    log(
      `validation at step ${step}: mean Dice ${metrics.mean.dice.toFixed(4)}, HD95 ${metrics.mean.hd95.toFixed(2)}` +
        `${improved ? ' (best)' : ''}; per class Dice ${metrics.perClass.map((m) => m.dice.toFixed(3)).join(' ')}`,
    );
    if (improved && options.checkpoint?.keepBest !== false) await save('best');
  };

  try {
    if (options.resume && store) {
      const files = await store.load('latest');
      if (files) {
        const where = store.describe('latest');
        // The options are checked before anything is loaded, so that a refused resume changes nothing.
        const saved = readCheckpointState(files, where);
        checkResumable(saved, progressState(), where);
        if (saved.totalSteps !== totalSteps) {
          log(
            `extending the finished run from ${saved.totalSteps} to ${totalSteps} steps (the schedule spans the new total)`,
          );
        }
        const state = restoreCheckpoint(files, model, optimizer, where);
        if (optimizer.steps !== state.step) {
          throw new ConfigError(
            `${where}: the optimizer took ${optimizer.steps} steps, the state says ${state.step}`,
          );
        }
        step = state.step;
        best = state.best;
        savedStep = step;
        result.resumedFrom = step;
        log(`resumed from ${where} at step ${step} of ${totalSteps}`);
      }
    }
    let validatedStep = -1;
    while (step < totalSteps && !options.signal?.aborted) {
      const epoch = Math.floor(step / stepsPerEpoch);
      const epochEnd = Math.min((epoch + 1) * stepsPerEpoch, totalSteps);
      const first = step;
      const progress =
        progressStream &&
        new Progress(`epoch ${epoch + 1}/${epochs}`, epochEnd - first, {
          unit: 'images',
          itemsPerStep: batchSize * accumulation,
          stream: progressStream,
        });
      const dice = new RunningDice(config.numClasses);
      while (step < epochEnd && !options.signal?.aborted) {
        const { loss, counts, lr } = await runStep();
        step++;
        dice.add(counts);
        result.losses.push(loss);
        progress?.update(step - first, { loss, dice: dice.value(), lr });
        options.onStep?.({ step, epoch, loss, dice: dice.value(), learningRate: lr });
        if (step === (epoch + 1) * stepsPerEpoch && (epoch + 1) % everyEpochs === 0) {
          await validate();
          validatedStep = step;
        }
        if (everySteps && step % everySteps === 0) await save('latest');
      }
    }
    result.completed = step >= totalSteps;
    if (result.completed && validatedStep !== step) await validate();
    if (savedStep !== step) await save('latest');
  } finally {
    result.replayedSteps = replayed?.counts[1].replays ?? 0;
    replayed?.dispose();
    optimizer.dispose();
  }
  return { ...result, step, best };
}

/**
 * Throws when a checkpoint was made with other training options than `current`. The total may
 * grow only for a finished run (extending it): an interrupted run resumes bit for bit, so its
 * schedule, which depends on the total, must stay the same.
 */
function checkResumable(saved: TrainState, current: TrainProgressState, where: string): void {
  if (saved.totalSteps !== current.totalSteps) checkExtension(saved, current.totalSteps, where);
  const keys = ['seed', 'batchSize', 'accumulation', 'learningRate', 'schedule', 'loss'] as const;
  for (const key of keys) {
    const difference = jsonDifference(saved[key], current[key], key);
    if (difference) {
      throw new ConfigError(
        `${where}: the checkpoint was trained with other options (${difference}, saved vs given); resume with the same options`,
      );
    }
  }
}

/** A resume with another total is an extension: of a finished run, to more steps. */
function checkExtension(saved: TrainState, totalSteps: number, where: string): void {
  if (saved.step < saved.totalSteps) {
    throw new ConfigError(
      `${where}: the run stopped at step ${saved.step} of ${saved.totalSteps}; finish it with the same total ` +
        `(${saved.totalSteps} steps) before extending it to ${totalSteps}`,
    );
  }
  if (totalSteps <= saved.totalSteps) {
    throw new ConfigError(
      `${where}: the run already finished its ${saved.totalSteps} steps; to extend it, give more than ${saved.totalSteps} (got ${totalSteps})`,
    );
  }
}
