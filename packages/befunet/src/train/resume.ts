/**
 * Resuming `train` from the store's `latest` checkpoint: the options are checked before anything
 * is loaded, so that a refused resume changes nothing. The total may grow only for a finished run
 * (extending it): an interrupted run resumes bit for bit, so its schedule, which depends on the
 * total, must stay the same.
 */
import { ConfigError } from '@befunet/common';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readCheckpointState, restoreCheckpoint, type TrainProgressState } from './checkpoint.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { jsonDifference } from './json-difference.js';
import type { TrainOptimizer } from './optimizer.js';
import { type CheckpointHandler, logLine, progressStateOf, type TrainRun } from './train-handlers.js';
import type { ResolvedTrainOptions } from './train-options.js';
import type { TrainState } from './train-state.js';

/** Restores model, optimizer and `run` from `latest` when there is one; returns whether it did. */
export async function resumeFromLatest(
  model: tfl.LayersModel,
  optimizer: TrainOptimizer,
  store: CheckpointStore,
  options: ResolvedTrainOptions,
  run: TrainRun,
  checkpoints: CheckpointHandler,
): Promise<boolean> {
  const files = await store.load('latest');
  if (!files) return false;
  const where = store.describe('latest');
  const saved = readCheckpointState(files, where);
  checkResumable(saved, progressStateOf(run, options, optimizer), where);
  if (saved.totalSteps !== options.totalSteps) {
    logLine(
      options,
      `extending the finished run from ${saved.totalSteps} to ${options.totalSteps} steps (the schedule spans the new total)`,
    );
  }
  const state = restoreCheckpoint(files, model, optimizer, where);
  if (optimizer.steps !== state.step) {
    throw new ConfigError(
      `${where}: the optimizer took ${optimizer.steps} steps, the state says ${state.step}`,
    );
  }
  run.step = state.step;
  run.best = state.best;
  checkpoints.savedStep = state.step;
  run.result.resumedFrom = state.step;
  logLine(options, `resumed from ${where} at step ${state.step} of ${options.totalSteps}`);
  return true;
}

/** Throws when a checkpoint was made with other training options than `current`. */
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
