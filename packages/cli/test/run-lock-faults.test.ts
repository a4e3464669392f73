/**
 * The run lock through the CLI, with real faults on a 64 MiB tmpfs (root only, skipped with the
 * reason otherwise): a read-only output folder (the tmpfs remounted read-only: EROFS even for root)
 * fails at the lock's exclusive create, and a disk with no byte left fails at the lock's write. Each
 * exits 1 with a one-line FileWriteError naming the lock file and the code, leaves no lock behind,
 * and the previous run stays byte for byte as it was. `src/jobs/run-folder-faults.test.ts` injects
 * the same faults in the library; this file checks what a user sees.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fillDisk, smallDisk, testProject } from '@befunet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/jobs/run-lock.js';
import { filesOf, runCli, runCliFailure, TINY_SYNTHETIC_TRAIN } from '../src/run-cli.test-util.js';

const disk = smallDisk('befunet-cli-lock-faults-');
let notMounted: string | undefined = 'not mounted yet';

function expectOneLineLockError(stderr: string, out: string, action: string, code: string): void {
  const lockPath = join(out, LOCK_FILE).replaceAll('.', '\\.');
  expect(stderr).toMatch(new RegExp(`befunet: FileWriteError: ${lockPath}: ${action} failed with ${code}`));
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe.runIf(testProject() === 'cpu')('befunet train: the run lock on a faulty disk (tmpfs)', () => {
  let out = '';
  let before = new Map<string, string>();

  beforeAll(async () => {
    notMounted = disk.mount();
    if (notMounted) return;
    mkdirSync(join(disk.path, 'runs'));
    out = join(disk.path, 'runs', 'run');
    await runCli([...TINY_SYNTHETIC_TRAIN, '--steps', '1', '--out', out]);
    before = filesOf(out);
  }, 180_000);
  afterAll(() => disk.remove());

  it('a disk with no byte left: exits 1 naming the lock and ENOSPC, no lock left, the run unchanged', async (context) => {
    if (notMounted) context.skip(notMounted);
    const empty = fillDisk(disk.path, 0);
    try {
      const failed = await runCliFailure([...TINY_SYNTHETIC_TRAIN, '--steps', '2', '--out', out, '--resume']);
      expect(failed.code).toBe(1);
      expectOneLineLockError(failed.stderr, out, 'writing the run lock', 'ENOSPC');
    } finally {
      empty();
    }
    expect(readdirSync(out)).not.toContain(LOCK_FILE);
    expect(filesOf(out)).toEqual(before);
  }, 120_000);

  it.for(['--resume', '--force'])(
    'a read-only output folder (%s): exits 1 naming the lock and EROFS, the run unchanged',
    { timeout: 120_000 },
    async (flag, context) => {
      if (notMounted) context.skip(notMounted);
      execFileSync('mount', ['-o', 'remount,ro', disk.path]);
      try {
        const failed = await runCliFailure([...TINY_SYNTHETIC_TRAIN, '--steps', '2', '--out', out, flag]);
        expect(failed.code).toBe(1);
        expectOneLineLockError(failed.stderr, out, 'creating the run lock', 'EROFS');
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', disk.path]);
      }
      expect(readdirSync(join(disk.path, 'runs'))).toEqual(['run']);
      expect(filesOf(out)).toEqual(before);
    },
  );
});
