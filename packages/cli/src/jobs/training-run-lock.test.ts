import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBefunet, SyntheticDataset } from '@befunet/core';
import { runOnBackend } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, LOCK_FILE, RunFolderInUseError } from './run-lock.js';
import { runTraining } from './training-run.js';

/** One run folder, one trainer: runTraining holds the folder's lock from claim to the last write. */
describe('runTraining and the run folder lock', () => {
  const data = new SyntheticDataset({ length: 2, seed: 0, size: 32 });
  const run = (outDir: string, extra: { force?: boolean } = {}) =>
    runTraining(createBefunet('tiny', { imageSize: 32 }, { seed: 0 }), data, {
      outDir,
      steps: 1,
      batchSize: 2,
      progress: false,
      overlays: 0,
      log: () => {},
      ...extra,
    });

  it('refuses a folder another trainer holds, writing nothing; trains once it is free', async () => {
    await runOnBackend('cpu', async () => {
      const outDir = join(mkdtempSync(join(tmpdir(), 'run-lock-train-')), 'run');
      const other = await acquireRunLock(outDir);
      await expect(run(outDir)).rejects.toThrow(RunFolderInUseError);
      expect(readdirSync(outDir)).toEqual([LOCK_FILE]);
      await other.release();

      await run(outDir);
      expect(existsSync(join(outDir, 'model', 'model.json'))).toBe(true);
      expect(existsSync(join(outDir, LOCK_FILE))).toBe(false); // released at the end
    });
  });

  it('with force, moves the old run aside without the lock and locks the new folder', async () => {
    await runOnBackend('cpu', async () => {
      const parent = mkdtempSync(join(tmpdir(), 'run-lock-force-'));
      const outDir = join(parent, 'run');
      await run(outDir);
      await run(outDir, { force: true });
      const aside = readdirSync(parent).filter((name) => name.startsWith('run.replaced-'));
      expect(aside).toHaveLength(1);
      expect(readdirSync(join(parent, aside[0]!))).not.toContain(LOCK_FILE);
      expect(existsSync(join(parent, aside[0]!, 'model', 'model.json'))).toBe(true);
      expect(existsSync(join(outDir, LOCK_FILE))).toBe(false);
    });
  });
});
