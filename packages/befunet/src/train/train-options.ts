/**
 * `train`'s options checked and resolved once (defaults filled in, totals derived) into one object
 * that the step strategy and the handlers read; nothing downstream re-reads the model's config.
 */
import { ConfigError } from '@befunet/common';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Augmentation, batchesPerEpoch } from '../data/batches.js';
import type { SegmentationDataset } from '../data/dataset.js';
import { befunetConfigOf } from '../model/befunet.js';
import type { BefunetConfig } from '../model/config.js';
import { defaultProgressStream, type ProgressStream } from '../util/progress.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { EvaluateOptions } from './evaluate.js';
import { type ResolvedOptimizerConfig, resolveOptimizerConfig } from './optimizer.js';
import { type ResolvedLrSchedule, resolveSchedule } from './schedule.js';
import type { TrainOptions } from './trainer.js';
import type { TrainingLossOptions } from './training-loss.js';

export interface ResolvedTrainOptions {
  config: BefunetConfig;
  dataset: SegmentationDataset;
  batchSize: number;
  accumulation: number;
  seed: number;
  stepsPerEpoch: number;
  totalSteps: number;
  epochs: number;
  optimizer: ResolvedOptimizerConfig;
  baseLr: number;
  schedule: ResolvedLrSchedule;
  loss: TrainingLossOptions;
  augmentations: Augmentation[];
  validation?: { dataset: SegmentationDataset; everyEpochs: number; evaluate?: EvaluateOptions };
  checkpoint?: { store: CheckpointStore; everySteps?: number; keepBest: boolean };
  resume: boolean;
  signal?: AbortSignal;
  /** One stream for log lines and progress bars (in a browser, one line buffer for both). */
  progressStream?: ProgressStream;
  onStep?: TrainOptions['onStep'];
  onValidation?: TrainOptions['onValidation'];
  replay: boolean;
}

export function positiveInteger(value: number, what: string): number {
  if (!(Number.isInteger(value) && value >= 1))
    throw new ConfigError(`${what} must be an integer >= 1, got ${value}`);
  return value;
}

/** Checks `options` against the model and the data set; throws a ConfigError naming the first problem. */
export function resolveTrainOptions(
  model: tfl.LayersModel,
  dataset: SegmentationDataset,
  options: TrainOptions,
): ResolvedTrainOptions {
  const config = befunetConfigOf(model);
  const { batchSize, accumulation, seed } = resolveBatching(options);
  checkClasses(dataset, config);
  const stepsPerEpoch = resolveStepsPerEpoch(dataset, batchSize, accumulation);
  const totalSteps = resolveTotalSteps(options, stepsPerEpoch);
  const optimizer = resolveOptimizerConfig(options.optimizer ?? { kind: 'sgd' });
  const baseLr = options.learningRate ?? (optimizer.kind === 'sgd' ? 0.01 : 1e-3);
  if (!(baseLr > 0 && Number.isFinite(baseLr)))
    throw new ConfigError(`train: learningRate must be > 0, got ${baseLr}`);
  const schedule = resolveSchedule(options.schedule ?? { kind: 'poly' }, totalSteps);
  const validation = resolveValidation(options);
  const checkpoint = resolveCheckpoint(options);
  if (options.resume && !checkpoint) throw new ConfigError('train: resume needs checkpoint.store');
  return {
    config,
    dataset,
    batchSize,
    accumulation,
    seed,
    stepsPerEpoch,
    totalSteps,
    epochs: Math.ceil(totalSteps / stepsPerEpoch),
    optimizer,
    baseLr,
    schedule,
    loss: options.loss ?? {},
    augmentations: options.augmentations ?? [],
    validation,
    checkpoint,
    resume: options.resume ?? false,
    signal: options.signal,
    progressStream: options.progress === false ? undefined : (options.progress ?? defaultProgressStream()),
    onStep: options.onStep,
    onValidation: options.onValidation,
    replay: options.replay ?? true,
  };
}

function resolveBatching(options: TrainOptions): { batchSize: number; accumulation: number; seed: number } {
  const batchSize = positiveInteger(options.batchSize, 'train: batchSize');
  const accumulation = positiveInteger(options.accumulation ?? 1, 'train: accumulation');
  const seed = options.seed ?? 0;
  if (!(Number.isSafeInteger(seed) && seed >= 0))
    throw new ConfigError(`train: seed must be an integer >= 0, got ${seed}`);
  return { batchSize, accumulation, seed };
}

function checkClasses(dataset: SegmentationDataset, config: BefunetConfig): void {
  if (dataset.numClasses !== config.numClasses) {
    throw new ConfigError(
      `train: data set '${dataset.name}' has ${dataset.numClasses} classes, the model ${config.numClasses}`,
    );
  }
}

function resolveStepsPerEpoch(dataset: SegmentationDataset, batchSize: number, accumulation: number): number {
  const stepsPerEpoch = batchesPerEpoch(dataset.length, batchSize * accumulation);
  if (stepsPerEpoch < 1) {
    throw new ConfigError(
      `train: data set '${dataset.name}' has ${dataset.length} samples, fewer than one step of ${batchSize} x ${accumulation}`,
    );
  }
  return stepsPerEpoch;
}

function resolveTotalSteps(options: TrainOptions, stepsPerEpoch: number): number {
  if ((options.steps === undefined) === (options.epochs === undefined)) {
    throw new ConfigError('train: give exactly one of steps and epochs');
  }
  return options.steps !== undefined
    ? positiveInteger(options.steps, 'train: steps')
    : positiveInteger(options.epochs!, 'train: epochs') * stepsPerEpoch;
}

function resolveValidation(options: TrainOptions): ResolvedTrainOptions['validation'] {
  const everyEpochs = positiveInteger(options.validation?.everyEpochs ?? 1, 'train: validation.everyEpochs');
  const validation = options.validation;
  return validation && { dataset: validation.dataset, everyEpochs, evaluate: validation.evaluate };
}

function resolveCheckpoint(options: TrainOptions): ResolvedTrainOptions['checkpoint'] {
  const everySteps = options.checkpoint?.everySteps;
  if (everySteps !== undefined) positiveInteger(everySteps, 'train: checkpoint.everySteps');
  const checkpoint = options.checkpoint;
  return checkpoint && { store: checkpoint.store, everySteps, keepBest: checkpoint.keepBest !== false };
}
