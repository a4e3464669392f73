/**
 * A training checkpoint in memory: three files, the model's weights (`model.safetensors`, keyed by
 * the weights' scoped names, e.g. `patch_embed/proj/kernel`), the optimizer's slots
 * (`optimizer.safetensors`, keyed `<weight name>/<slot>`, step count in the metadata) and
 * `state.json` (see `train-state.ts`, with the size and CRC-32 of both binaries). Where the files go
 * is a `CheckpointStore`'s business.
 */
import {
  ConfigError,
  crc32,
  FileFormatError,
  formatShape,
  readSafetensors,
  type SafetensorsInput,
  WeightLoadError,
  writeSafetensors,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../model/befunet.js';
import { jsonDifference } from './json-difference.js';
import type { SlotOptimizer } from './slot-optimizer.js';
import { parseTrainState, type TrainState } from './train-state.js';
import { CHECKPOINT_FORMAT, LIBRARY_VERSION } from './version.js';

export const CHECKPOINT_FILES = {
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'state.json',
} as const;

export interface CheckpointFiles {
  model: Uint8Array;
  optimizer: Uint8Array;
  state: string;
}

/** What the trainer records; the library fills in the format, version, model config and digests. */
export type TrainProgressState = Omit<TrainState, 'format' | 'library' | 'model' | 'files'>;

/** The model's weights by scoped name (stable across models built in one process, unlike `name`). */
export function namedWeights(model: tfl.LayersModel): Map<string, tfl.LayerVariable> {
  const named = new Map<string, tfl.LayerVariable>();
  for (const w of model.weights) {
    if (named.has(w.originalName)) {
      throw new ConfigError(`model '${model.name}' has two weights named '${w.originalName}'`);
    }
    named.set(w.originalName, w);
  }
  return named;
}

async function tensorsToSafetensors(
  tensors: Iterable<[string, tf.Tensor]>,
  metadata: Record<string, string>,
): Promise<Uint8Array> {
  const entries: Record<string, SafetensorsInput> = {};
  for (const [name, t] of tensors) {
    entries[name] = { shape: t.shape, values: (await t.data()) as Float32Array };
  }
  return writeSafetensors(entries, metadata);
}

const digest = (bytes: Uint8Array) => ({ bytes: bytes.byteLength, crc32: crc32(bytes) });

/** Serialises the model, the optimizer and the training state. */
export async function encodeCheckpoint(
  model: tfl.LayersModel,
  optimizer: SlotOptimizer,
  progress: TrainProgressState,
): Promise<CheckpointFiles> {
  const weights = [...namedWeights(model)].map(([n, w]) => [n, w.read()] as [string, tf.Tensor]);
  const modelBytes = await tensorsToSafetensors(weights, { format: 'befunet-weights' });
  const { steps, slots } = optimizer.getState();
  const optimizerBytes = await tensorsToSafetensors(slots, { steps: String(steps) });
  const state: TrainState = {
    format: CHECKPOINT_FORMAT,
    library: `@befunet/core@${LIBRARY_VERSION}`,
    ...progress,
    model: befunetConfigOf(model),
    files: {
      [CHECKPOINT_FILES.model]: digest(modelBytes),
      [CHECKPOINT_FILES.optimizer]: digest(optimizerBytes),
    },
  };
  return { model: modelBytes, optimizer: optimizerBytes, state: `${JSON.stringify(state, null, 2)}\n` };
}

/** Checks the size and CRC-32 that `state.json` records for a binary file. */
function checkDigest(state: TrainState, name: string, bytes: Uint8Array, source: string): void {
  const expected = state.files[name];
  if (!expected) throw new FileFormatError(`${source}/${CHECKPOINT_FILES.state}`, `no digest of '${name}'`);
  const actual = digest(bytes);
  if (actual.bytes !== expected.bytes || actual.crc32 !== expected.crc32) {
    throw new FileFormatError(
      `${source}/${name}`,
      `is ${actual.bytes} bytes with CRC-32 ${actual.crc32}, state.json records ${expected.bytes} bytes with CRC-32 ${expected.crc32}: the file is corrupt or from another checkpoint`,
    );
  }
}

/** Parses and checks a checkpoint's state and the integrity of its files, without touching a model. */
export function readCheckpointState(files: CheckpointFiles, source: string): TrainState {
  const state = parseTrainState(files.state, `${source}/${CHECKPOINT_FILES.state}`);
  checkDigest(state, CHECKPOINT_FILES.model, files.model, source);
  checkDigest(state, CHECKPOINT_FILES.optimizer, files.optimizer, source);
  return state;
}

/**
 * Loads a checkpoint into `model` (built with the same configuration) and, when given, `optimizer`
 * (of the same kind and hyper-parameters); returns the training state. `source` names the
 * checkpoint in errors. Nothing is changed when a check fails.
 */
export function restoreCheckpoint(
  files: CheckpointFiles,
  model: tfl.LayersModel,
  optimizer: (SlotOptimizer & { config: object }) | undefined,
  source: string,
): TrainState {
  const state = readCheckpointState(files, source);
  const mismatch = jsonDifference(state.model, befunetConfigOf(model));
  if (mismatch) {
    throw new ConfigError(
      `${source}: the checkpoint's model configuration differs from the model's (${mismatch})`,
    );
  }
  if (optimizer) {
    const diff = jsonDifference(state.optimizer, optimizer.config);
    if (diff)
      throw new ConfigError(`${source}: the checkpoint's optimizer differs from the trainer's (${diff})`);
  }
  const modelFile = readSafetensors(files.model, `${source}/${CHECKPOINT_FILES.model}`);
  const optimizerFile = readSafetensors(files.optimizer, `${source}/${CHECKPOINT_FILES.optimizer}`);
  const weights = namedWeights(model);
  const where = `${source}/${CHECKPOINT_FILES.model}`;
  for (const [name, entry] of modelFile.tensors) {
    const w = weights.get(name);
    if (!w) throw new WeightLoadError(`${where}: unknown weight '${name}' (not in model '${model.name}')`);
    const shape = w.read().shape;
    if (!tf.util.arraysEqual([...entry.shape], shape)) {
      throw new WeightLoadError(
        `${where}: weight '${name}' is ${formatShape(entry.shape)}, the model's ${formatShape(shape)}`,
      );
    }
  }
  for (const name of weights.keys()) {
    if (!modelFile.tensors.has(name)) throw new WeightLoadError(`${where}: missing weight '${name}'`);
  }
  const slotTensors = new Map<string, tf.Tensor>();
  try {
    if (optimizer) {
      for (const [key, entry] of optimizerFile.tensors)
        slotTensors.set(key, tf.tensor(entry.values, [...entry.shape]));
      const steps = Number(optimizerFile.metadata.steps);
      const trainable = new Map(
        [...weights].filter(([, w]) => w.trainable).map(([n, w]) => [n, w.read() as tf.Variable]),
      );
      optimizer.setState({ steps, slots: slotTensors }, trainable, `${source}/${CHECKPOINT_FILES.optimizer}`);
    }
    for (const [name, entry] of modelFile.tensors) {
      tf.tidy(() => {
        weights.get(name)!.write(tf.tensor(entry.values, [...entry.shape], 'float32'));
      });
    }
  } finally {
    tf.dispose([...slotTensors.values()]);
  }
  return state;
}
