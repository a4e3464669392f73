/**
 * A real full disk: a 64 MiB tmpfs (root only; skipped with the reason otherwise), filled so that the
 * next save runs out of space. The library's saves and the CLI's `job` must fail with a
 * FileWriteError naming the file and ENOSPC, and leave the previous checkpoint and model as they were.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWriteError } from '@befunet/common';
import { nodeFileSystem } from '@befunet/common/node';
import { testProject } from '@befunet/testing';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { runCli } from '../../cli/src/run-cli.test-util.js';
import { createBefunet } from '../src/model/befunet.js';
import { fileCheckpointStore } from '../src/train/file-checkpoint-store.js';
import { temporaryLeftovers } from './write-faults.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'befunet-full-disk-'));
let notMounted: string | undefined = 'not mounted yet';

function mountSmallDisk(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`;
  }
}

/** Fills the disk of `dir` but `leftBytes` with one file, removed by the returned function. */
function fillDisk(dir: string, leftBytes: number): () => void {
  const { bavail, bsize } = statfsSync(dir);
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, Number(bavail) * Number(bsize) - leftBytes)));
  return () => rmSync(filler, { force: true });
}

async function modelWeights(dir: string): Promise<Buffer[]> {
  const model = await loadLayersModel(nodeFileSystem(dir));
  const weights = model.getWeights().map((w) => Buffer.from(w.dataSync().slice().buffer));
  model.dispose();
  return weights;
}

/** Exact byte equality (vitest's deep equality walks megabytes element by element). */
function expectSameBytes(actual: readonly Uint8Array[], expected: readonly Uint8Array[]) {
  expect(actual.length).toBe(expected.length);
  const differing = actual.flatMap((a, i) =>
    Buffer.from(a).equals(Buffer.from(expected[i] as Uint8Array)) ? [] : [i],
  );
  expect(differing).toEqual([]);
}

function freshFolder(name: string): string {
  const dir = join(mountPoint, name);
  mkdirSync(dir);
  return dir;
}

function skipUnlessMounted(context: TestContext) {
  if (notMounted) context.skip(notMounted);
}

describe.runIf(testProject() === 'cpu')('a full disk (tmpfs)', () => {
  beforeAll(() => {
    notMounted = mountSmallDisk();
  });
  afterAll(() => {
    if (!notMounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('a model save fails with ENOSPC naming the file and keeps the previous model', async (context) => {
    skipUnlessMounted(context);
    const dir = join(freshFolder('model'), 'model');
    const previous = createBefunet('tiny', { imageSize: 32 }, { seed: 0 });
    const next = createBefunet('tiny', { imageSize: 32 }, { seed: 1 });
    const expected = previous.getWeights().map((w) => Buffer.from(w.dataSync().slice().buffer));
    await previous.save(nodeFileSystem(dir));
    const empty = fillDisk(mountPoint, 64 << 10);
    try {
      const error = await next.save(nodeFileSystem(dir)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileWriteError);
      expect((error as FileWriteError).code).toBe('ENOSPC');
      expect((error as Error).message).toMatch(new RegExp(`^${dir}/weights\\.[0-9a-f]+\\.bin: .*ENOSPC`));
      expect(temporaryLeftovers(dir)).toEqual([]);
      expectSameBytes(await modelWeights(dir), expected);
    } finally {
      empty();
      previous.dispose();
      next.dispose();
    }
  }, 60_000);

  it('a checkpoint save fails with ENOSPC naming the file and keeps the previous checkpoint', async (context) => {
    skipUnlessMounted(context);
    const dir = freshFolder('checkpoints');
    const store = fileCheckpointStore(dir);
    const previous = {
      model: new Uint8Array(1 << 20).fill(7),
      optimizer: new Uint8Array(2 << 20).fill(9),
      state: '{"step":1}',
    };
    await store.save('latest', previous);
    const empty = fillDisk(mountPoint, 512 << 10);
    try {
      const next = {
        model: new Uint8Array(1 << 20).fill(8),
        optimizer: new Uint8Array(2 << 20).fill(10),
        state: '{"step":2}',
      };
      const error = await store.save('latest', next).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileWriteError);
      expect((error as Error).message).toMatch(
        new RegExp(`^${dir}/latest\\.[0-9a-z-]+\\.partial/\\w+\\.safetensors: .*ENOSPC`),
      );
      expect(temporaryLeftovers(dir)).toEqual([]);
      const loaded = await store.load('latest');
      expectSameBytes(
        [loaded?.model ?? new Uint8Array(), loaded?.optimizer ?? new Uint8Array()],
        [previous.model, previous.optimizer],
      );
      expect(loaded?.state).toBe(previous.state);
    } finally {
      empty();
    }
  });

  it('befunet job exits non-zero with a one-line FileWriteError and the previous run stays loadable', async (context) => {
    skipUnlessMounted(context);
    const out = join(freshFolder('cli'), 'run');
    const job = [
      'job',
      '--backend',
      'cpu',
      '--steps',
      '2',
      '--batch',
      '1',
      '--size',
      '32',
      '--eval',
      '2',
      '--out',
      out,
    ];
    await runCli(job);
    const model = await modelWeights(join(out, 'model'));
    const checkpoint = readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8');
    // Room for the lock file, not for the model's weights (4 MB).
    const empty = fillDisk(mountPoint, 256 << 10);
    try {
      const failed = await runCli([...job, '--resume']).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(
        new RegExp(`befunet: FileWriteError: ${out}/model/weights\\.[0-9a-f]+\\.bin: .*ENOSPC`),
      );
      expect(failed.stderr).not.toMatch(/^\s+at /m);
      expect(temporaryLeftovers(out)).toEqual([]);
      expectSameBytes(await modelWeights(join(out, 'model')), model);
      expect(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8')).toBe(checkpoint);
      expect(readdirSync(join(out, 'model')).filter((f) => f.startsWith('weights.'))).toHaveLength(1);
    } finally {
      empty();
    }
  }, 120_000);
});
