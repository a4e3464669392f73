/**
 * One training run as the CLI's `train` and the main job do it, around `train()`: checkpoints in
 * `<out>/checkpoints` (resumable; Ctrl-C stops after the current step and saves), the final model in
 * `<out>/model` (TF.js format, loadable by every command), overlays of the first validation images in
 * `<out>/overlays` (image with the prediction, beside the ground truth), and `<out>/metrics.json`.
 * A folder that already holds a run is continued (`resume`), moved aside (`force`) or refused
 * (`run-folder.ts`); an interrupted run throws an InterruptedError naming its last checkpoint.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InterruptedError } from '@befunet/common';
import { nodeFileSystem, writeAtomically } from '@befunet/common/node';
import {
  befunetConfigOf,
  checkDataset,
  type losses,
  predictImage,
  renderOverlay,
  type SegmentationDataset,
  type TrainOptions,
  type TrainResult,
  train,
} from '@befunet/core';
import { formatLegend } from '@befunet/core/inference';
import { fileCheckpointStore } from '@befunet/core/node';
import { formatDuration } from '@befunet/core/training';
import type * as tfl from '@tensorflow/tfjs-layers';
import { claimRunFolder, type RunFolderPolicy } from './run-folder.js';
import { acquireRunLock, LOCK_FILE, type RunLock } from './run-lock.js';

export interface TrainingRunOptions extends Omit<TrainOptions, 'validation' | 'checkpoint' | 'signal'> {
  /** Held-out data, validated every `validateEveryEpochs` epochs and at the end. */
  validation?: SegmentationDataset;
  validateEveryEpochs?: number;
  /** Save the `latest` checkpoint every this many steps (and at the end). */
  checkpointEverySteps?: number;
  /** Output folder. One that already holds a run is refused unless `resume` or `force`. */
  outDir: string;
  /** Move a run already in `outDir` aside (renamed to `<outDir>.replaced-<time>`, never deleted). */
  force?: boolean;
  /** Validation images drawn as overlay PNGs. Defaults to 4. */
  overlays?: number;
  /** Where the summary lines go. Defaults to stderr. */
  log?: (line: string) => void;
}

export interface TrainingRunResult {
  train: TrainResult;
  /** Metrics of the final model on the validation data. */
  final?: losses.AggregatedMetrics;
  seconds: number;
  outDir: string;
}

/** File name for a sample id (`synthetic#3`, `case0001.nii.gz#slice 40`) in the overlays folder. */
function overlayName(id: string, index: number): string {
  return `${String(index).padStart(3, '0')}_${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`;
}

async function writeOverlays(
  model: tfl.LayersModel,
  validation: SegmentationDataset,
  count: number,
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  let legend = '';
  for (let i = 0; i < Math.min(count, validation.length); i++) {
    const sample = await validation.get(i);
    const image = {
      data: sample.image,
      height: sample.height,
      width: sample.width,
      channels: sample.channels,
    };
    const prediction = await predictImage(model, image, { source: sample.id });
    const overlay = renderOverlay(image, prediction.labels, {
      groundTruth: sample.label,
      classes: validation.numClasses,
      // Small images magnified to about 256 px, so that boundaries can be judged by eye.
      scale: Math.max(1, Math.floor(256 / Math.max(sample.height, sample.width))),
    });
    await writeAtomically(join(dir, overlayName(sample.id, i)), overlay.png);
    legend = formatLegend(overlay.legend);
  }
  return legend;
}

export async function runTraining(
  model: tfl.LayersModel,
  dataset: SegmentationDataset,
  options: TrainingRunOptions,
): Promise<TrainingRunResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { outDir, force, validation, resume, progress } = options;
  // Every sample is read once before the run folder is touched, so bad data changes nothing.
  for (const data of validation ? [dataset, validation] : [dataset]) {
    await checkDataset(data, progress === undefined ? {} : { progress });
  }
  const lock = await claimLockedRunFolder(outDir, { resume: resume ?? false, force: force ?? false }, log);
  try {
    return await trainInFolder(model, dataset, options, log);
  } finally {
    await lock.release();
  }
}

/**
 * Locks `outDir` for this trainer (run-lock.ts), then applies the resume/force policy
 * (run-folder.ts). A run moved aside takes this trainer's lock with it: that copy is removed and
 * the folder, now empty, is locked again.
 */
async function claimLockedRunFolder(
  outDir: string,
  policy: RunFolderPolicy,
  log: (line: string) => void,
): Promise<RunLock> {
  const lock = await acquireRunLock(outDir);
  let aside: string | undefined;
  try {
    aside = await claimRunFolder(outDir, policy);
  } catch (error) {
    await lock.release();
    throw error;
  }
  if (!aside) return lock;
  await rm(join(aside, LOCK_FILE), { force: true });
  log(`the run that was in ${outDir} was moved to ${aside}`);
  return acquireRunLock(outDir);
}

async function trainInFolder(
  model: tfl.LayersModel,
  dataset: SegmentationDataset,
  options: TrainingRunOptions,
  log: (line: string) => void,
): Promise<TrainingRunResult> {
  const {
    outDir,
    force: _,
    validation,
    validateEveryEpochs,
    checkpointEverySteps,
    overlays,
    ...trainOptions
  } = options;
  const started = performance.now();
  const abort = new AbortController();
  const onInterrupt = () => {
    log('interrupted: stopping after this step and saving the latest checkpoint (Ctrl-C again to kill)');
    abort.abort();
    process.off('SIGINT', onInterrupt);
  };
  process.on('SIGINT', onInterrupt);
  let result: TrainResult;
  try {
    result = await train(model, dataset, {
      ...trainOptions,
      ...(validation && { validation: { dataset: validation, everyEpochs: validateEveryEpochs ?? 1 } }),
      checkpoint: {
        store: fileCheckpointStore(join(outDir, 'checkpoints')),
        ...(checkpointEverySteps !== undefined && { everySteps: checkpointEverySteps }),
      },
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  const seconds = (performance.now() - started) / 1000;
  const final = result.validations.at(-1)?.metrics;
  if (!result.completed) {
    throw new InterruptedError(
      `training stopped at step ${result.step}/${result.totalSteps}; the latest checkpoint is in ` +
        `${join(outDir, 'checkpoints')}; resume with the same command and --resume`,
    );
  }

  await model.save(nodeFileSystem(join(outDir, 'model')));
  const legend = validation
    ? await writeOverlays(model, validation, overlays ?? 4, join(outDir, 'overlays'))
    : '';
  const metrics = {
    config: befunetConfigOf(model),
    data: { train: dataset.name, trainImages: dataset.length, validation: validation?.name },
    steps: result.step,
    resumedFrom: result.resumedFrom ?? null,
    replayedSteps: result.replayedSteps,
    seconds,
    losses: { first: result.losses[0] ?? null, last: result.losses.at(-1) ?? null },
    best: result.best,
    validations: result.validations.map((v) => ({
      step: v.step,
      dice: v.metrics.mean.dice,
      hd95: v.metrics.mean.hd95,
    })),
    final: final ?? null,
  };
  await writeAtomically(join(outDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  if (legend) log(`overlay colours (prediction left, ground truth right):\n${legend}`);
  log(
    `trained ${result.step} steps in ${formatDuration(seconds)}; model, checkpoints, overlays and metrics.json in ${outDir}/`,
  );
  return { train: result, seconds, outDir, ...(final && { final }) };
}
