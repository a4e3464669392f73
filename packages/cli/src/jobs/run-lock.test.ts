import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, LOCK_FILE, RunFolderInUseError } from './run-lock.js';

const freshFolder = () => join(mkdtempSync(join(tmpdir(), 'run-lock-')), 'run');

/** The pid of a process that has exited (so no process runs under it, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

function writeLock(outDir: string, owner: object | string) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, LOCK_FILE), typeof owner === 'string' ? owner : JSON.stringify(owner));
}

describe('acquireRunLock', () => {
  it('creates the folder and a lock naming this process, and release removes it', async () => {
    const outDir = freshFolder();
    const lock = await acquireRunLock(outDir);
    const owner = JSON.parse(readFileSync(lock.path, 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses a second trainer while the first holds the folder, naming the owner', async () => {
    const outDir = freshFolder();
    const first = await acquireRunLock(outDir);
    const second = acquireRunLock(outDir);
    await expect(second).rejects.toThrow(RunFolderInUseError);
    await expect(second).rejects.toThrow(
      `in use by another training run (pid ${process.pid} on ${hostname()}`,
    );
    await first.release();
    const third = await acquireRunLock(outDir);
    await third.release();
  });

  it('gives the lock to exactly one of many trainers starting at once', async () => {
    const outDir = freshFolder();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireRunLock(outDir)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(7);
  });

  it('takes over a stale lock left by a killed process on this host', async () => {
    const outDir = freshFolder();
    const pid = deadPid();
    writeLock(outDir, { pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' });
    const lock = await acquireRunLock(outDir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(outDir)).toEqual([LOCK_FILE]); // the stale one is gone, not left aside
    await lock.release();
  });

  it('lets exactly one of several trainers take over the same stale lock', async () => {
    const outDir = freshFolder();
    writeLock(outDir, { pid: deadPid(), host: hostname(), started: 'then' });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => acquireRunLock(outDir)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a lock from another host, saying how to clear it', async () => {
    const outDir = freshFolder();
    writeLock(outDir, { pid: 1234, host: 'other-node-7', started: 'then' });
    await expect(acquireRunLock(outDir)).rejects.toThrow(
      `in use by another training run (pid 1234 on other-node-7, since then); if that run is over, delete ${join(outDir, LOCK_FILE)}`,
    );
  });

  it('waits on an empty lock while its writer may still write it', async () => {
    const outDir = freshFolder();
    writeLock(outDir, '');
    // The writer finishes 100 ms later, naming a live process (this test's parent).
    const owner = { pid: process.ppid, host: hostname(), started: 'now' };
    setTimeout(() => writeLock(outDir, owner), 100);
    await expect(acquireRunLock(outDir, { tornLockGraceMs: 2000 })).rejects.toThrow(
      `in use by another training run (pid ${process.ppid}`,
    );
  });

  it('takes over an empty lock once its writer has had time to write it', async () => {
    const outDir = freshFolder();
    writeLock(outDir, '');
    const started = performance.now();
    const lock = await acquireRunLock(outDir, { tornLockGraceMs: 300 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();

    const old = freshFolder();
    writeLock(old, '{"pid":');
    const then = new Date(Date.now() - 60_000);
    utimesSync(join(old, LOCK_FILE), then, then);
    await (await acquireRunLock(old)).release(); // left torn a minute ago: taken at once
  });
});
