/**
 * `befunet job` and `befunet train` on a real full disk (a 64 MiB tmpfs; root only, skipped with the
 * reason otherwise): a resumed run that cannot save its model (job) or its checkpoint (train) exits 1
 * with a one-line FileWriteError naming the file and ENOSPC, and the previous run stays as it was and loadable. The library's saves on a full disk are tested
 * in @befunet/core's reliability/full-disk.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// Registers BEFUnet's layers, so that the saved model loads.
import '@befunet/core';
import {
  expectSameBytes,
  fillDisk,
  savedModelWeights,
  smallDisk,
  temporaryLeftovers,
  testProject,
} from '@befunet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliFailure, TINY_SYNTHETIC_TRAIN } from '../src/run-cli.test-util.js';

const disk = smallDisk('befunet-cli-full-disk-');
let notMounted: string | undefined = 'not mounted yet';

const JOB = ['job', '--backend', 'cpu', '--steps', '2', '--batch', '1', '--size', '32', '--eval', '2'];

describe.runIf(testProject() === 'cpu')('befunet job on a full disk (tmpfs)', () => {
  beforeAll(() => {
    notMounted = disk.mount();
  });
  afterAll(() => disk.remove());

  it('exits non-zero with a one-line FileWriteError and the previous run stays loadable', async (context) => {
    if (notMounted) context.skip(notMounted);
    mkdirSync(join(disk.path, 'cli'));
    const out = join(disk.path, 'cli', 'run');
    await runCli([...JOB, '--out', out]);
    const model = await savedModelWeights(join(out, 'model'));
    const checkpoint = readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8');
    // Room for the lock file, not for the model's weights (4 MB).
    const empty = fillDisk(disk.path, 256 << 10);
    try {
      const failed = await runCliFailure([...JOB, '--out', out, '--resume']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(
        new RegExp(`befunet: FileWriteError: ${out}/model/weights\\.[0-9a-f]+\\.bin: .*ENOSPC`),
      );
      expect(failed.stderr).not.toMatch(/^\s+at /m);
      expect(temporaryLeftovers(out)).toEqual([]);
      expectSameBytes(await savedModelWeights(join(out, 'model')), model);
      expect(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8')).toBe(checkpoint);
      expect(readdirSync(join(out, 'model')).filter((f) => f.startsWith('weights.'))).toHaveLength(1);
    } finally {
      empty();
    }
  }, 120_000);

  it('befunet train: a checkpoint that does not fit exits 1 and keeps the previous checkpoint and model', async (context) => {
    if (notMounted) context.skip(notMounted);
    mkdirSync(join(disk.path, 'train'));
    const out = join(disk.path, 'train', 'run');
    await runCli([...TINY_SYNTHETIC_TRAIN, '--steps', '1', '--out', out]);
    const model = await savedModelWeights(join(out, 'model'));
    const pointer = readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8');
    // Room for the lock file, not for the next checkpoint's weights (about 8 MB with the momentum).
    const empty = fillDisk(disk.path, 256 << 10);
    try {
      const failed = await runCliFailure([...TINY_SYNTHETIC_TRAIN, '--steps', '2', '--out', out, '--resume']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(
        new RegExp(
          `befunet: FileWriteError: ${out}/checkpoints/latest\\.[^ ]+\\.partial/model\\.safetensors: .*ENOSPC`,
        ),
      );
      expect(failed.stderr).not.toMatch(/^\s+at /m);
      expect(temporaryLeftovers(out)).toEqual([]);
      expect(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8')).toBe(pointer);
      expectSameBytes(await savedModelWeights(join(out, 'model')), model);
    } finally {
      empty();
    }
  }, 180_000);
});
