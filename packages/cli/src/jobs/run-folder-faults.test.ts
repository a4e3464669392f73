/**
 * Faults (ENOSPC, EIO, EACCES, a short write) at the run lock's write and at `--force`'s move aside:
 * each throws a FileWriteError naming the file and the cause, and leaves the previous run as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWriteError } from '@befunet/common';
import { nodeFileOps } from '@befunet/common/node';
import { faultCode, faultKindsFor, faultyFileOps } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { claimRunFolder } from './run-folder.js';
import { acquireRunLock, LOCK_FILE } from './run-lock.js';

const METRICS = '{"steps": 3}\n';
const WEIGHTS = Uint8Array.from({ length: 64 }, (_, i) => (i * 7) & 255);

/** A folder holding a previous run: metrics.json and a model file, with known bytes. */
function previousRun(): { parent: string; outDir: string } {
  const parent = mkdtempSync(join(tmpdir(), 'run-faults-'));
  const outDir = join(parent, 'run');
  mkdirSync(join(outDir, 'model'), { recursive: true });
  writeFileSync(join(outDir, 'metrics.json'), METRICS);
  writeFileSync(join(outDir, 'model', 'weights.bin'), WEIGHTS);
  return { parent, outDir };
}

function expectPreviousRunIn(outDir: string): void {
  expect(readFileSync(join(outDir, 'metrics.json'), 'utf8')).toBe(METRICS);
  expect(new Uint8Array(readFileSync(join(outDir, 'model', 'weights.bin')))).toEqual(WEIGHTS);
}

async function rejection(promise: Promise<unknown>): Promise<FileWriteError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileWriteError);
  return error as FileWriteError;
}

describe('faults at the run lock and at the move aside', () => {
  it.each(faultKindsFor('rename'))('%s at the move aside keeps the run where it was', async (kind) => {
    const { parent, outDir } = previousRun();
    const faulty = faultyFileOps(nodeFileOps, 0, kind);
    const error = await rejection(claimRunFolder(outDir, { force: true }, new Date(0), faulty.ops));
    expect(faulty.injected()?.op).toBe('rename');
    expect(error.path).toBe(outDir);
    expect(error.message).toMatch(
      new RegExp(`^${outDir}: moving the previous run aside .* failed with ${faultCode(kind)}`),
    );
    expect(readdirSync(parent)).toEqual(['run']);
    expectPreviousRunIn(outDir);
  });

  for (const [index, op] of [
    [0, 'writeFile'],
    [1, 'syncFile'],
  ] as const) {
    it.each(faultKindsFor(op))(
      `%s at the lock's ${op} leaves no lock and the run unchanged`,
      async (kind) => {
        const { outDir } = previousRun();
        const faulty = faultyFileOps(nodeFileOps, index, kind);
        const error = await rejection(acquireRunLock(outDir, { fileOps: faulty.ops }));
        expect(faulty.injected()?.op).toBe(op);
        expect(error.path).toBe(join(outDir, LOCK_FILE));
        expect(error.code).toBe(faultCode(kind));
        expect(error.message).toContain(`writing the run lock failed with ${faultCode(kind)}`);
        expect(existsSync(join(outDir, LOCK_FILE))).toBe(false);
        expectPreviousRunIn(outDir);
        // The folder is free: the next trainer gets the lock at once.
        await (await acquireRunLock(outDir)).release();
      },
    );
  }

  it.each(faultKindsFor('rm'))(
    "%s at the lock's release: a warning, not an error; the lock is left to be taken over",
    async (kind) => {
      const { outDir } = previousRun();
      const warnings: string[] = [];
      const faulty = faultyFileOps(nodeFileOps, 2, kind); // 0 writeFile, 1 syncFile, 2 rm
      const lock = await acquireRunLock(outDir, { fileOps: faulty.ops, warn: (line) => warnings.push(line) });
      await lock.release();
      expect(faulty.injected()?.op).toBe('rm');
      expect(warnings).toEqual([
        expect.stringMatching(
          new RegExp(`^${join(outDir, LOCK_FILE)}: removing the run lock failed with ${faultCode(kind)}`),
        ),
      ]);
      expect(existsSync(join(outDir, LOCK_FILE))).toBe(true);
      expectPreviousRunIn(outDir);
    },
  );
});
