/**
 * What `train` does around its steps, as handlers the loop calls in order (after the manner of
 * an engine's event handlers, or fit callbacks): progress bars, the `onStep` callback, validation
 * (every `everyEpochs` epochs and at the end, keeping the best mean Dice) and checkpoints (`latest`
 * every `everySteps` steps and at the end, `best` on a better validation). They share the run's
 * state (`TrainRun`): the step done and the best metric, which the checkpoints record.
 */
import { InvalidValueError } from '@befunet/common';
import type * as tfl from '@tensorflow/tfjs-layers';
import { releaseReplay } from '../inference/replayed-predictor.js';
import { Progress } from '../util/progress.js';
import { encodeCheckpoint, type TrainProgressState } from './checkpoint.js';
import type { CheckpointTag } from './checkpoint-store.js';
import { evaluate } from './evaluate.js';
import type { TrainOptimizer } from './optimizer.js';
import type { ResolvedTrainOptions } from './train-options.js';
import type { BestMetric } from './train-state.js';
import type { StepInfo, TrainResult } from './trainer.js';

/** The state the loop and the handlers share. */
export interface TrainRun {
  /** Optimizer steps done. */
  step: number;
  best: BestMetric | null;
  result: TrainResult;
}

/** An epoch about to run steps `first` (0-based) to `end` (exclusive). */
export interface EpochInfo {
  epoch: number;
  first: number;
  end: number;
}

export interface TrainHandler {
  startEpoch?(epoch: EpochInfo): void;
  afterStep?(info: StepInfo): Promise<void> | void;
  /** After the last step run (`completed`: all `totalSteps` done, not stopped by the signal). */
  atEnd?(completed: boolean): Promise<void>;
}

/** Writes a log line to the progress stream, if any. */
export function logLine(options: ResolvedTrainOptions, line: string): void {
  options.progressStream?.write(`${line}\n`);
}

/** Refuses a step whose loss is not finite, before its update (the NaN stop). */
export function refuseNonFiniteLoss(loss: number, step: number, lr: number): void {
  if (!Number.isFinite(loss)) {
    throw new InvalidValueError(
      `train: the loss is ${loss} at step ${step + 1} (learning rate ${lr}); lower the learning rate`,
    );
  }
}

/** A progress bar per epoch on the progress stream. */
export class ProgressHandler implements TrainHandler {
  private progress?: Progress;
  private first = 0;

  constructor(private readonly options: ResolvedTrainOptions) {}

  startEpoch({ epoch, first, end }: EpochInfo): void {
    const { progressStream, epochs, batchSize, accumulation } = this.options;
    this.first = first;
    this.progress =
      progressStream &&
      new Progress(`epoch ${epoch + 1}/${epochs}`, end - first, {
        unit: 'images',
        itemsPerStep: batchSize * accumulation,
        stream: progressStream,
      });
  }

  afterStep({ step, loss, dice, learningRate }: StepInfo): void {
    this.progress?.update(step - this.first, { loss, dice, lr: learningRate });
  }
}

/** The caller's `onStep`. */
export class CallbackHandler implements TrainHandler {
  constructor(private readonly onStep: (info: StepInfo) => void) {}

  afterStep(info: StepInfo): void {
    this.onStep(info);
  }
}

/** The state a checkpoint records for `run`. */
export function progressStateOf(
  run: TrainRun,
  options: ResolvedTrainOptions,
  optimizer: TrainOptimizer,
): TrainProgressState {
  return {
    step: run.step,
    epoch: Math.floor(run.step / options.stepsPerEpoch),
    totalSteps: options.totalSteps,
    seed: options.seed,
    batchSize: options.batchSize,
    accumulation: options.accumulation,
    learningRate: options.baseLr,
    schedule: options.schedule,
    optimizer: optimizer.config,
    loss: options.loss,
    best: run.best,
  };
}

/** Saves `latest` every `everySteps` steps and at the end (unless just saved), and `best` on request. */
export class CheckpointHandler implements TrainHandler {
  /** The step of the last `latest` saved or resumed from. */
  savedStep = -1;

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly optimizer: TrainOptimizer,
    private readonly options: ResolvedTrainOptions,
    private readonly run: TrainRun,
  ) {}

  async save(tag: CheckpointTag): Promise<void> {
    const store = this.options.checkpoint?.store;
    if (!store) return;
    const state = progressStateOf(this.run, this.options, this.optimizer);
    await store.save(tag, await encodeCheckpoint(this.model, this.optimizer, state));
    if (tag === 'latest') this.savedStep = this.run.step;
  }

  async afterStep({ step }: StepInfo): Promise<void> {
    const everySteps = this.options.checkpoint?.everySteps;
    if (everySteps && step % everySteps === 0) await this.save('latest');
  }

  async atEnd(): Promise<void> {
    if (this.savedStep !== this.run.step) await this.save('latest');
  }
}

/** Validates every `everyEpochs` epochs and at the end; keeps the best mean Dice (saved as `best`). */
export class ValidationHandler implements TrainHandler {
  private validatedStep = -1;

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly validation: NonNullable<ResolvedTrainOptions['validation']>,
    private readonly options: ResolvedTrainOptions,
    private readonly run: TrainRun,
    private readonly checkpoints: CheckpointHandler,
  ) {}

  async afterStep({ step, epoch }: StepInfo): Promise<void> {
    const epochDone = step === (epoch + 1) * this.options.stepsPerEpoch;
    if (epochDone && (epoch + 1) % this.validation.everyEpochs === 0) {
      await this.validate();
      this.validatedStep = step;
    }
  }

  async atEnd(completed: boolean): Promise<void> {
    if (completed && this.validatedStep !== this.run.step) await this.validate();
  }

  private async validate(): Promise<void> {
    const { run, validation } = this;
    const metrics = await evaluate(this.model, validation.dataset, validation.evaluate).finally(
      () => releaseReplay(this.model), // the next steps change the weights: free the capture's GPU memory now
    );
    const improved = !run.best || metrics.mean.dice > run.best.value;
    if (improved) run.best = { metric: 'meanDice', value: metrics.mean.dice, step: run.step };
    const record = { step: run.step, metrics, improved };
    run.result.validations.push(record);
    this.options.onValidation?.(record);
    logLine(
      this.options,
      `validation at step ${run.step}: mean Dice ${metrics.mean.dice.toFixed(4)}, HD95 ${metrics.mean.hd95.toFixed(2)}` +
        `${improved ? ' (best)' : ''}; per class Dice ${metrics.perClass.map((m) => m.dice.toFixed(3)).join(' ')}`,
    );
    if (improved && this.options.checkpoint?.keepBest !== false) await this.checkpoints.save('best');
  }
}
