import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  crc32,
  FileFormatError,
  readSafetensors,
  WeightLoadError,
  writeSafetensors,
} from '@befunet/common';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';
import {
  type CheckpointFiles,
  encodeCheckpoint,
  restoreCheckpoint,
  type TrainProgressState,
} from './checkpoint.js';
import { memoryCheckpointStore } from './checkpoint-store.js';
import { fileCheckpointStore, loadCheckpointFolder } from './file-checkpoint-store.js';
import { createOptimizer } from './optimizer.js';
import { LIBRARY_VERSION } from './version.js';

const CONFIG = befunetConfig('tiny', {
  imageSize: 32,
  edgeChannels: 8,
  swin: { embedDim: 8 },
  decoder: { width: 16, predChannels: 8, groups: 8 },
});
const PROGRESS: TrainProgressState = {
  step: 0,
  epoch: 0,
  totalSteps: 10,
  seed: 1,
  batchSize: 2,
  accumulation: 1,
  learningRate: 0.01,
  schedule: { kind: 'poly', power: 0.9, warmupSteps: 0 },
  optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 },
  loss: {},
  best: null,
};

let dir: string;
let model: tfl.LayersModel;
let files: CheckpointFiles;

async function valuesOf(m: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(m.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

beforeAll(async () => {
  dir = join(tmpdir(), `befunet-checkpoint-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  model = createBefunet(CONFIG);
  const sgd = createOptimizer({ kind: 'sgd' });
  files = await encodeCheckpoint(model, sgd, PROGRESS);
  sgd.dispose();
});
afterAll(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Byte equality (vitest's toEqual is slow on megabytes). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** `files` with the model file replaced by `bytes` and state.json's digest updated to match. */
function withModelFile(bytes: Uint8Array): CheckpointFiles {
  const state = JSON.parse(files.state);
  state.files['model.safetensors'] = { bytes: bytes.byteLength, crc32: crc32(bytes) };
  return { ...files, model: bytes, state: JSON.stringify(state) };
}

describe('checkpoints', () => {
  it('restore every weight of a freshly initialised model exactly', async () => {
    const other = createBefunet(CONFIG);
    const state = restoreCheckpoint(files, other, undefined, 'ckpt');
    expect(state).toMatchObject({ ...PROGRESS, model: CONFIG, library: `@befunet/core@${LIBRARY_VERSION}` });
    const [a, b] = [await valuesOf(model), await valuesOf(other)];
    a.forEach((w, i) => {
      expect(b[i], `weight ${i}`).toEqual(w);
    });
    other.dispose();
  });

  it('record the version of package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(LIBRARY_VERSION).toBe(pkg.version);
  });

  it('reject corrupt files, another configuration and unknown or missing weights, naming the file', async () => {
    const flipped = files.model.slice();
    flipped[flipped.length - 5]! ^= 0x40;
    expect(() => restoreCheckpoint({ ...files, model: flipped }, model, undefined, 'ck')).toThrow(
      FileFormatError,
    );
    expect(() => restoreCheckpoint({ ...files, model: flipped }, model, undefined, 'ck')).toThrow(
      /^ck\/model\.safetensors: is \d+ bytes with CRC-32 \d+, state.json records .* corrupt/,
    );
    expect(() =>
      restoreCheckpoint({ ...files, state: files.state.slice(0, 100) }, model, undefined, 'ck'),
    ).toThrow(/ck\/state\.json: is not valid JSON/);
    const small = createBefunet({ ...CONFIG, numClasses: 3 });
    expect(() => restoreCheckpoint(files, small, undefined, 'ck')).toThrow(ConfigError);
    expect(() => restoreCheckpoint(files, small, undefined, 'ck')).toThrow(/numClasses: 4 vs 3/);
    small.dispose();
    const adamw = createOptimizer({ kind: 'adamw' });
    expect(() => restoreCheckpoint(files, model, adamw, 'ck')).toThrow(
      /optimizer differs .*kind: "sgd" vs "adamw"/,
    );
    adamw.dispose();

    const parsed = readSafetensors(files.model);
    const entries = Object.fromEntries(
      [...parsed.tensors].map(([k, v]) => [k, { shape: v.shape, values: v.values }]),
    );
    const extra = writeSafetensors({
      ...entries,
      'decoder/extra/kernel': { shape: [1], values: new Float32Array(1) },
    });
    expect(() => restoreCheckpoint(withModelFile(extra), model, undefined, 'ck')).toThrow(WeightLoadError);
    expect(() => restoreCheckpoint(withModelFile(extra), model, undefined, 'ck')).toThrow(
      /ck\/model\.safetensors: unknown weight 'decoder\/extra\/kernel'/,
    );
    const { 'patch_embed/proj/bias': _, ...fewer } = entries;
    expect(() => restoreCheckpoint(withModelFile(writeSafetensors(fewer)), model, undefined, 'ck')).toThrow(
      /missing weight 'patch_embed\/proj\/bias'/,
    );
  });

  it('a failed restore changes nothing', async () => {
    const target = createBefunet(CONFIG);
    const before = await valuesOf(target);
    const sgd = createOptimizer({ kind: 'sgd', momentum: 0.5 });
    expect(() => restoreCheckpoint(files, target, sgd, 'ck')).toThrow(/momentum: 0.9 vs 0.5/);
    expect(await valuesOf(target)).toEqual(before);
    sgd.dispose();
    target.dispose();
  });

  it('the file store replaces a checkpoint atomically and cleans up after a killed save', async () => {
    const root = join(dir, 'store');
    const store = fileCheckpointStore(root);
    expect(await store.load('latest')).toBeUndefined();
    await store.save('latest', files);
    // A save killed half-way leaves a partial folder and a temporary pointer: the checkpoint is intact.
    await mkdir(join(root, 'latest.killed.partial'));
    await writeFile(join(root, 'latest.killed.partial', 'model.safetensors'), 'half');
    await writeFile(join(root, 'latest.json.tmp-killed'), '{"folder":');
    const loaded = await store.load('latest');
    expect(loaded?.state).toBe(files.state);
    expect(sameBytes(loaded!.model, files.model)).toBe(true);
    const second = { ...files, state: files.state.replace('"seed": 1', '"seed": 2') };
    await store.save('latest', second);
    await store.save('best', files);
    expect((await store.load('latest'))?.state).toBe(second.state);
    expect((await store.load('best'))?.state).toBe(files.state);
    const entries = (await readdir(root)).sort();
    expect(entries.filter((e) => !e.endsWith('.json'))).toHaveLength(2);
    expect(entries.filter((e) => e.startsWith('latest.') && !e.endsWith('.json'))).toHaveLength(1);
    expect(entries).toContain('latest.json');
    expect(entries).toContain('best.json');
  });

  it('the file store names a missing file or a corrupt pointer', async () => {
    const root = join(dir, 'broken');
    const store = fileCheckpointStore(root);
    await store.save('latest', files);
    const folder = JSON.parse(await readFile(join(root, 'latest.json'), 'utf8')).folder as string;
    await rm(join(root, folder, 'optimizer.safetensors'));
    await expect(store.load('latest')).rejects.toThrow(FileFormatError);
    await expect(store.load('latest')).rejects.toThrow(
      /optimizer\.safetensors: missing: the checkpoint folder is incomplete/,
    );
    await expect(loadCheckpointFolder(join(root, 'nowhere'))).rejects.toThrow(
      /nowhere\/model\.safetensors: missing/,
    );
    await writeFile(join(root, 'latest.json'), '{"folder": "../../etc"}');
    await expect(store.load('latest')).rejects.toThrow(
      /latest\.json: does not name a 'latest' checkpoint folder/,
    );
    await writeFile(join(root, 'latest.json'), '{"fold');
    await expect(store.load('latest')).rejects.toThrow(/latest\.json: is not valid JSON/);
  });

  it('the memory store keeps copies', async () => {
    const store = memoryCheckpointStore();
    await store.save('best', files);
    const loaded = await store.load('best');
    loaded!.model[0] = 255 - loaded!.model[0]!;
    expect(sameBytes((await store.load('best'))!.model, files.model)).toBe(true);
    expect(await store.load('latest')).toBeUndefined();
  });
});
