/**
 * A small seeded training run that checkpoints after every step and resumes from its checkpoint
 * folder: what `interrupted-training.test.ts` kills (SIGKILL) and restarts. The `tiny` preset,
 * narrowed and at 32 px, on the synthetic data set, on the cpu backend, so that a step takes well
 * under a second.
 *
 *   node interruptible-training.js --dir <checkpoint folder> [--steps 8] [--seed 3]
 *
 * Progress goes to stderr, one event a line (written synchronously: stderr is a pipe or a file):
 *   `initial <sha256>`           digest of the seeded initial weights (`weightsDigest`)
 *   `fresh` | `resumed <step>`   whether a checkpoint was found
 *   `step <k>`                   optimizer step k done
 *   `checkpoint writing <k>`     a save of the state after step k begins ...
 *   `checkpoint written <k> <ms>`  ... and ended
 *   `done <sha256>`              digest of the final weights
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '@befunet/common';
import { SyntheticDataset } from '../src/data/synthetic-dataset.js';
import { createBefunet } from '../src/model/befunet.js';
import { type BefunetConfig, befunetConfig } from '../src/model/config.js';
import { weightsDigest } from '../src/model/weights-digest.js';
import { useBackend } from '../src/node/backend.js';
import type { CheckpointStore } from '../src/train/checkpoint-store.js';
import { fileCheckpointStore } from '../src/train/file-checkpoint-store.js';
import { train } from '../src/train/trainer.js';

/** The model trained: `tiny`, narrowed as in the trainer's tests. */
export const INTERRUPTIBLE_MODEL: BefunetConfig = befunetConfig('tiny', {
  imageSize: 32,
  edgeChannels: 8,
  swin: { embedDim: 8 },
  decoder: { width: 16, predChannels: 8, groups: 8 },
});

export interface InterruptibleTrainingOptions {
  /** The checkpoint folder (created when missing; resumed from when it holds a checkpoint). */
  dir: string;
  /** Optimizer steps of the whole run. */
  steps: number;
  /** Seed of the initial weights and of the batches. */
  seed: number;
  /** Where the event lines go. */
  log: (line: string) => void;
}

/** `store` with a line before and after each save. */
function loggedStore(store: CheckpointStore, log: (line: string) => void): CheckpointStore {
  return {
    ...store,
    async save(tag, files) {
      const { step } = JSON.parse(files.state) as { step: number };
      log(`checkpoint writing ${step}`);
      const start = performance.now();
      await store.save(tag, files);
      log(`checkpoint written ${step} ${(performance.now() - start).toFixed(1)}`);
    },
  };
}

/** Trains (or continues) the run; returns the digest of the final weights. */
export async function interruptibleTraining(options: InterruptibleTrainingOptions): Promise<string> {
  const { dir, steps, seed, log } = options;
  const model = createBefunet(INTERRUPTIBLE_MODEL, {}, { seed });
  try {
    log(`initial ${await weightsDigest(model)}`);
    const store = loggedStore(fileCheckpointStore(dir), log);
    const result = await train(model, new SyntheticDataset(4, 7, { size: 32, numClasses: 4 }), {
      steps,
      batchSize: 2,
      seed,
      optimizer: { kind: 'adamw' },
      learningRate: 2e-3,
      checkpoint: { store, everySteps: 1 },
      resume: true,
      progress: false,
      onStep: ({ step }) => log(`step ${step}`),
    });
    // Logged after the fact: `train` resumes before its first step.
    if (result.resumedFrom === undefined) log('fresh');
    else log(`resumed ${result.resumedFrom}`);
    const digest = await weightsDigest(model);
    log(`done ${digest}`);
    return digest;
  } finally {
    model.dispose();
  }
}

function integerOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isSafeInteger(n) && n >= 0))
    throw new ConfigError(`--${name} must be an integer >= 0, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' } },
  });
  if (!values.dir) throw new ConfigError('--dir <checkpoint folder> is required');
  const backend = await useBackend('cpu');
  try {
    await interruptibleTraining({
      dir: values.dir,
      steps: integerOption(values.steps, 8, 'steps'),
      seed: integerOption(values.seed, 3, 'seed'),
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    backend.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `interruptible-training: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
