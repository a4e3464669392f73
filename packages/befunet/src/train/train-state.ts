/**
 * `state.json` of a checkpoint: where training stands (step, epoch, best metric) and everything
 * needed to continue it identically (seed, batch, optimizer and schedule hyper-parameters, loss
 * options, the model's configuration), plus the size and CRC-32 of the checkpoint's binary files.
 * Parsing checks every field and rejects unknown ones, with the file and the field in the message.
 */
import { type BefunetError, FileFormatError } from '@befunet/common';
import { type BefunetConfig, validateBefunetConfig } from '../model/config.js';
import { type ResolvedOptimizerConfig, resolveOptimizerConfig } from './optimizer.js';
import { type ResolvedLrSchedule, resolveSchedule } from './schedule.js';
import type { TrainingLossOptions } from './training-loss.js';
import { CHECKPOINT_FORMAT } from './version.js';

/** The best validation result so far. */
export interface BestMetric {
  /** Always the mean foreground Dice. */
  metric: 'meanDice';
  value: number;
  /** Optimizer steps done when it was measured. */
  step: number;
}

/** Size and CRC-32 of one binary file of the checkpoint. */
export interface FileDigest {
  bytes: number;
  crc32: number;
}

export interface TrainState {
  /** Checkpoint format version ({@link CHECKPOINT_FORMAT}). */
  format: number;
  /** `@befunet/core@<version>` that wrote it. */
  library: string;
  /** Optimizer steps done. */
  step: number;
  /** Epochs completed (`floor(step / stepsPerEpoch)`). */
  epoch: number;
  /** Optimizer steps of the whole run (the poly schedule depends on it). */
  totalSteps: number;
  seed: number;
  /** Images per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step. */
  accumulation: number;
  /** Base learning rate. */
  learningRate: number;
  schedule: ResolvedLrSchedule;
  optimizer: ResolvedOptimizerConfig;
  loss: TrainingLossOptions;
  /** `befunetConfigOf(model)`. */
  model: BefunetConfig;
  best: BestMetric | null;
  /** Digests of `model.safetensors` and `optimizer.safetensors`. */
  files: Record<string, FileDigest>;
}

type Check = (value: unknown, field: string) => void;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks `state.json` text; `source` names the file in errors. */
export function parseTrainState(text: string, source: string): TrainState {
  const fail = (problem: string, cause?: unknown): never => {
    throw new FileFormatError(source, problem, cause === undefined ? undefined : { cause });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    fail('is not valid JSON (a corrupt or truncated checkpoint state)', cause);
  }
  if (!isObject(raw)) return fail('is not a JSON object');
  const fields = stateFieldChecks(fail, raw.totalSteps);
  knownKeys(raw, Object.keys(fields), '', fail);
  for (const [name, check] of Object.entries(fields) as [string, Check][]) {
    if (!(name in raw)) fail(`missing field '${name}'`);
    check(raw[name], name);
  }
  const state = raw as unknown as TrainState;
  if (state.step > state.totalSteps) fail(`step ${state.step} is past totalSteps ${state.totalSteps}`);
  return state;
}

type Fail = (problem: string, cause?: unknown) => never;

/** Checks of single values, failing through `fail`. */
function valueChecks(fail: Fail) {
  const integer: Check = (v, f) => {
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      fail(`field '${f}' must be an integer >= 0, got ${JSON.stringify(v)}`);
  };
  const finite: Check = (v, f) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(`field '${f}' must be a finite number, got ${JSON.stringify(v)}`);
  };
  const string: Check = (v, f) => {
    if (typeof v !== 'string') fail(`field '${f}' must be a string, got ${JSON.stringify(v)}`);
  };
  /** Runs a validator of the library (which throws typed errors) on a nested object. */
  const nested =
    (validate: (v: Record<string, unknown>) => unknown): Check =>
    (v, f) => {
      if (!isObject(v)) return fail(`field '${f}' must be an object, got ${JSON.stringify(v)}`);
      try {
        validate(v);
      } catch (e) {
        if (e instanceof FileFormatError) throw e;
        fail(`field '${f}': ${(e as BefunetError).message}`, e);
      }
    };
  const positive: Check = (v, f) => {
    integer(v, f);
    if ((v as number) < 1) fail(`field '${f}' must be >= 1, got ${v}`);
  };
  return { integer, finite, string, nested, positive };
}

/** The check of each field of `state.json` (`totalSteps`: the raw field, for the schedule's check). */
function stateFieldChecks(fail: Fail, totalSteps: unknown): Record<keyof TrainState, Check> {
  const { integer, finite, string, nested, positive } = valueChecks(fail);
  return {
    format: (v, f) => {
      integer(v, f);
      if (v !== CHECKPOINT_FORMAT)
        fail(`checkpoint format ${v} is not supported (this library reads format ${CHECKPOINT_FORMAT})`);
    },
    library: string,
    step: integer,
    epoch: integer,
    totalSteps: positive,
    seed: integer,
    batchSize: positive,
    accumulation: positive,
    learningRate: finite,
    schedule: nested((v) => {
      knownKeys(v, ['kind', 'power', 'warmupSteps'], 'schedule', fail);
      resolveSchedule(v as never, Number.isSafeInteger(totalSteps) ? (totalSteps as number) : 1);
    }),
    optimizer: nested((v) => {
      knownKeys(v, ['kind', 'momentum', 'weightDecay', 'beta1', 'beta2', 'epsilon'], 'optimizer', fail);
      resolveOptimizerConfig(v as never);
    }),
    loss: nested((v) => {
      knownKeys(v, ['edgeWeight', 'body', 'edge', 'edgeThickness', 'perImage'], 'loss', fail);
    }),
    model: nested((v) => validateBefunetConfig(v as unknown as BefunetConfig)),
    best: (v, f) => {
      if (v === null) return;
      nested((b) => {
        knownKeys(b, ['metric', 'value', 'step'], f, fail);
        if (b.metric !== 'meanDice')
          fail(`field '${f}.metric' must be 'meanDice', got ${JSON.stringify(b.metric)}`);
        finite(b.value, `${f}.value`);
        integer(b.step, `${f}.step`);
      })(v, f);
    },
    files: nested((v) => {
      for (const [name, d] of Object.entries(v)) {
        if (!isObject(d)) return fail(`field 'files.${name}' must be an object`);
        knownKeys(d, ['bytes', 'crc32'], `files.${name}`, fail);
        integer(d.bytes, `files.${name}.bytes`);
        integer(d.crc32, `files.${name}.crc32`);
      }
    }),
  };
}

function knownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  where: string,
  fail: (problem: string) => never,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`unknown field '${where ? `${where}.` : ''}${key}'`);
  }
}
