/**
 * Faults at every file operation of a checkpoint save and of a model save: the save of a new
 * version is run once with a counting `FileOps` wrapper to list its operations, then once per
 * operation and kind of fault (ENOSPC, EIO, EACCES, a short write) with that operation failing,
 * each time in a fresh folder holding a previous version. Each outcome says what the folder held
 * afterwards (the previous version, the new one, or neither), the error, and leftover temporary files.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FileOps, nodeFileOps, nodeFileSystem } from '@befunet/common/node';
import {
  countingFileOps,
  type FaultKind,
  type FileCall,
  faultKindsFor,
  faultyFileOps,
  temporaryLeftovers,
} from '@befunet/testing';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { createBefunet } from '../src/model/befunet.js';
import type { CheckpointFiles } from '../src/train/checkpoint.js';
import { fileCheckpointStore } from '../src/train/file-checkpoint-store.js';

export type Found = 'previous' | 'new' | 'neither';

/** What is saved: a previous version first (plainly), then a new one through the given `FileOps`. */
export interface SaveSubject {
  name: 'checkpoint' | 'model' | 'run lock' | 'move aside' | 'metrics.json' | 'overlay';
  /** The operation that makes the new version current; 'none': nothing replaces the previous run. Default the last rename. */
  commit?: 'last rename' | 'none';
  savePrevious(dir: string): Promise<void>;
  saveNew(dir: string, ops: FileOps): Promise<void>;
  /** Which version the folder holds, compared exactly with what was saved; throws when it cannot be loaded. */
  found(dir: string): Promise<Found>;
  dispose(): void;
}

export interface FaultOutcome {
  subject: SaveSubject['name'];
  kind: FaultKind;
  call: FileCall;
  /** The call's operation and path, with the folder and the varying ids left out. */
  where: string;
  /** The fault came after the rename that makes the new version the current one. */
  afterCommit: boolean;
  error: unknown;
  /** The error's message, with the folder and the varying ids left out. */
  message?: string;
  found: Found | 'unloadable';
  loadError?: string;
  leftovers: string[];
}

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 17 + ((i * seed) >> 3)) & 255);
}

function checkpointFiles(seed: number): CheckpointFiles {
  return {
    model: bytes(4096, seed),
    optimizer: bytes(8192, seed + 1),
    state: JSON.stringify({ step: seed }),
  };
}

function sameCheckpoint(a: CheckpointFiles, b: CheckpointFiles): boolean {
  return (
    Buffer.from(a.model).equals(Buffer.from(b.model)) &&
    Buffer.from(a.optimizer).equals(Buffer.from(b.optimizer)) &&
    a.state === b.state
  );
}

export function checkpointSubject(): SaveSubject {
  const previous = checkpointFiles(1);
  const next = checkpointFiles(2);
  return {
    name: 'checkpoint',
    savePrevious: (dir) => fileCheckpointStore(join(dir, 'checkpoints')).save('latest', previous),
    saveNew: (dir, ops) =>
      fileCheckpointStore(join(dir, 'checkpoints'), { fileOps: ops }).save('latest', next),
    async found(dir) {
      const loaded = await fileCheckpointStore(join(dir, 'checkpoints')).load('latest');
      if (loaded && sameCheckpoint(loaded, previous)) return 'previous';
      if (loaded && sameCheckpoint(loaded, next)) return 'new';
      return 'neither';
    },
    dispose() {},
  };
}

/** The weights of a model as bytes, one array per weight, read before any save (the expected values). */
function weightBytes(model: tfl.LayersModel): Buffer[] {
  return model.getWeights().map((w) => Buffer.from(w.dataSync().slice().buffer));
}

function sameWeights(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((w, i) => w.equals(b[i] as Buffer));
}

/** The tiny preset at 32 px, the previous version seeded 0 and the new one seeded 1; the previous one is saved once and copied. */
export function modelSubject(): SaveSubject {
  const previousModel = createBefunet('tiny', { imageSize: 32 }, { seed: 0 });
  const nextModel = createBefunet('tiny', { imageSize: 32 }, { seed: 1 });
  const previous = weightBytes(previousModel);
  const next = weightBytes(nextModel);
  const template = mkdtempSync(join(tmpdir(), 'befunet-model-template-'));
  let saved = false;
  return {
    name: 'model',
    async savePrevious(dir) {
      if (!saved) await previousModel.save(nodeFileSystem(join(template, 'model')));
      saved = true;
      cpSync(join(template, 'model'), join(dir, 'model'), { recursive: true });
    },
    async saveNew(dir, ops) {
      await nextModel.save(nodeFileSystem(join(dir, 'model'), { fileOps: ops }));
    },
    async found(dir) {
      const loaded = await loadLayersModel(nodeFileSystem(join(dir, 'model')));
      const weights = weightBytes(loaded);
      loaded.dispose();
      if (sameWeights(weights, previous)) return 'previous';
      if (sameWeights(weights, next)) return 'new';
      return 'neither';
    },
    dispose() {
      previousModel.dispose();
      nextModel.dispose();
      rmSync(template, { recursive: true, force: true });
    },
  };
}

/** `op path` with the folder and the varying parts (ids, hashes, temporary suffixes) replaced by placeholders. */
export function describeCall(call: FileCall, dir: string): string {
  return `${call.op} ${withPlaceholders(call.path.slice(dir.length + 1)) || '.'}`;
}

/** `text` with `dir` left out and ids, hashes and temporary suffixes replaced by placeholders. */
export function withPlaceholders(text: string, dir?: string): string {
  return (dir ? text.replaceAll(`${dir}/`, '').replaceAll(dir, '.') : text)
    .replace(/\.tmp-[0-9a-z-]+/g, '.tmp-*')
    .replace(/(latest|best)\.[0-9a-z]+-[0-9a-z-]+(?=\.partial|\/|$|'|\s)/g, '$1.<id>')
    .replace(/weights\.[0-9a-f]{16}\.bin/g, 'weights.<hash>.bin');
}

async function inFreshFolder<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'befunet-faults-'));
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The operations a save of the new version performs over a previous one, in order. */
export function recordSave(subject: SaveSubject): Promise<{ calls: FileCall[]; where: string[] }> {
  return inFreshFolder(async (dir) => {
    await subject.savePrevious(dir);
    const { ops, calls } = countingFileOps(nodeFileOps);
    await subject.saveNew(dir, ops);
    return { calls, where: calls.map((c) => describeCall(c, dir)) };
  });
}

async function foundAfterFault(
  subject: SaveSubject,
  dir: string,
): Promise<Pick<FaultOutcome, 'found' | 'loadError'>> {
  try {
    return { found: await subject.found(dir) };
  } catch (error) {
    return { found: 'unloadable', loadError: error instanceof Error ? error.message : String(error) };
  }
}

function injectOne(
  subject: SaveSubject,
  index: number,
  kind: FaultKind,
  commitIndex: number,
): Promise<FaultOutcome> {
  return inFreshFolder(async (dir) => {
    await subject.savePrevious(dir);
    const faulty = faultyFileOps(nodeFileOps, index, kind);
    const error = await subject.saveNew(dir, faulty.ops).then(
      () => undefined,
      (e: unknown) => e,
    );
    const call = faulty.injected();
    if (!call) throw new Error(`${subject.name}: the save performed no operation ${index}`);
    return {
      subject: subject.name,
      kind,
      call,
      where: describeCall(call, dir),
      afterCommit: index > commitIndex,
      error,
      message: error instanceof Error ? withPlaceholders(error.message, dir) : undefined,
      ...(await foundAfterFault(subject, dir)),
      leftovers: temporaryLeftovers(dir),
    };
  });
}

/** Every kind of fault at every operation of the subject's save. */
export async function injectEverywhere(subject: SaveSubject): Promise<FaultOutcome[]> {
  const { calls } = await recordSave(subject);
  // The last rename replaces the pointer (checkpoint) or model.json (model): the commit point.
  const commitIndex =
    subject.commit === 'none'
      ? Number.POSITIVE_INFINITY
      : ([...calls].reverse().find((c) => c.op === 'rename')?.index ?? -1);
  const outcomes: FaultOutcome[] = [];
  for (const call of calls) {
    for (const kind of faultKindsFor(call.op))
      outcomes.push(await injectOne(subject, call.index, kind, commitIndex));
  }
  return outcomes;
}
