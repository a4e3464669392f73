/**
 * One fine-tuning run in the worker, through @befunet/core's `train`: batch size 1, SGD with the
 * trainer's defaults (momentum 0.9, poly decay) at the chosen learning rate, every sample resized
 * to the model's input, a held-out validation split (a third of the samples, at least one) scored
 * about five times per run. Stopping aborts the trainer's signal; it saves a `latest` checkpoint
 * in memory, from which continuing resumes the same run (`resume: true`) to its total steps.
 */
import {
  befunetConfigOf,
  type CheckpointStore,
  memoryCheckpointStore,
  resizedDataset,
  resizeTo,
  type SegmentationDataset,
  type StepInfo,
  splitDataset,
  type TrainOptions,
  type TrainResult,
  train,
} from '@befunet/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { memoryDataset } from './memory-dataset.js';
import type { PageToWorker, StepReport } from './protocol.js';

type StartRequest = Extract<PageToWorker, { kind: 'start' }>;

export interface RunCallbacks {
  onStep(report: StepReport): void;
  onValidation(step: number, dice: number): void;
}

export class FineTuneRun {
  private readonly store: CheckpointStore = memoryCheckpointStore();
  private readonly options: TrainOptions;
  private controller = new AbortController();
  readonly trainSet: SegmentationDataset;
  readonly validationSet: SegmentationDataset;

  constructor(
    readonly model: tfl.LayersModel,
    request: StartRequest,
    private readonly callbacks: RunCallbacks,
  ) {
    const { imageSize } = befunetConfigOf(model);
    const all = memoryDataset('your images', request.samples, request.numClasses);
    const split = splitDataset(all, { validationFraction: 1 / 3, seed: 0 });
    this.trainSet = split.train;
    this.validationSet = resizedDataset(split.validation, imageSize);
    const totalEpochs = Math.ceil(request.steps / this.trainSet.length);
    this.options = {
      steps: request.steps,
      batchSize: 1,
      learningRate: request.learningRate,
      augmentations: [resizeTo(imageSize)],
      validation: {
        dataset: this.validationSet,
        everyEpochs: Math.max(1, Math.round(totalEpochs / 5)),
        evaluate: { hd95: false },
      },
      checkpoint: { store: this.store, keepBest: false },
      progress: false,
    };
  }

  stop(): void {
    this.controller.abort();
  }

  /** Trains from the start, or (`resume`) from where the last stop left off. */
  async run(resume: boolean): Promise<TrainResult> {
    this.controller = new AbortController();
    const started = performance.now();
    let firstStep: number | undefined;
    return train(this.model, this.trainSet, {
      ...this.options,
      resume,
      signal: this.controller.signal,
      onStep: (info) => {
        firstStep ??= info.step - 1;
        this.callbacks.onStep(stepReport(info, this.options.steps!, info.step - firstStep, started));
      },
      onValidation: (record) => this.callbacks.onValidation(record.step, record.metrics.mean.dice),
    });
  }
}

/** Step, loss, Dice and the pace since this call started (batch size 1: an image per step). */
function stepReport(info: StepInfo, totalSteps: number, stepsDone: number, started: number): StepReport {
  const seconds = (performance.now() - started) / 1000;
  const imagesPerSecond = stepsDone / seconds;
  return {
    step: info.step,
    totalSteps,
    loss: info.loss,
    dice: info.dice,
    imagesPerSecond,
    etaSeconds: (totalSteps - info.step) / imagesPerSecond,
  };
}
