/**
 * One run folder, one trainer. A trainer holds `<outDir>/.befunet-lock` (its pid, host and start
 * time) while it runs; a second trainer on the folder is refused, naming the owner. The lock file is
 * created with O_EXCL, so of two trainers starting at once exactly one gets it. A lock left by a
 * process that died (SIGKILL, power loss) is stale: on the same host its pid no longer runs, and
 * the next trainer takes it over (takers serialise on a second O_EXCL file, so exactly one wins).
 * A lock from another host (a shared file system) cannot be checked and is refused, with the way on.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BefunetError } from '@befunet/common';
import { type FileOps, failingAs, nodeFileOps } from '@befunet/common/node';

export const LOCK_FILE = '.befunet-lock';

/** Another trainer runs on the folder (or did, on a host whose processes cannot be checked). */
export class RunFolderInUseError extends BefunetError {}

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

export interface RunLock {
  readonly path: string;
  /**
   * Removes the lock if it is still this process's. Never throws: a lock that cannot be removed is
   * reported through `warn` and left to the next trainer, which takes it over as stale.
   */
  release(): Promise<void>;
}

export interface RunLockOptions {
  /**
   * How long an empty or unparsable lock is taken for one its writer is still writing (it is taken
   * over after that). Default 5000 ms.
   */
  tornLockGraceMs?: number;
  /** The file operations writing and removing the lock (tests inject faults here). Default node:fs. */
  fileOps?: FileOps;
  /** Where a failed release is reported. Default: a line on stderr. */
  warn?: (line: string) => void;
}

const LOCK_KEPT = 'nothing in the run folder was changed';

/** Takes the lock of `outDir` (creating the folder), or throws RunFolderInUseError naming the owner. */
export async function acquireRunLock(outDir: string, options: RunLockOptions = {}): Promise<RunLock> {
  const grace = options.tornLockGraceMs ?? 5000;
  const ops = options.fileOps ?? nodeFileOps;
  await failingAs(outDir, 'creating the run folder', LOCK_KEPT, () => mkdir(outDir, { recursive: true }));
  const path = join(outDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await createExclusive(path, me, ops)) {
      const warn = options.warn ?? ((line: string) => console.error(line));
      return { path, release: () => releaseIfMine(path, me, ops, warn) };
    }
    const lock = await readLock(path);
    if (lock === undefined) continue; // removed or being replaced meanwhile: try again
    if (lock.owner === 'torn') {
      // Its writer may be between creating and writing it: wait, unless it is long dead.
      if (await youngerThan(path, grace)) await sleep(Math.min(100, grace / 4));
      else await removeIfUnchanged(path, lock.text, grace);
      continue;
    }
    if (!isStale(lock.owner)) throw inUse(outDir, lock.owner);
    await removeIfUnchanged(path, lock.text, grace);
  }
  throw new RunFolderInUseError(`${outDir}: another trainer keeps taking the run folder's lock (${path})`);
}

/**
 * Creates `path` with O_EXCL (false when it exists), then writes and fsyncs the owner. A failed
 * write removes the lock again and throws a FileWriteError naming it: no torn lock is left behind.
 */
async function createExclusive(path: string, owner: LockOwner, ops: FileOps = nodeFileOps): Promise<boolean> {
  try {
    await (await open(path, 'wx')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    return failingAs(path, 'creating the run lock', LOCK_KEPT, () => Promise.reject(error));
  }
  try {
    await failingAs(path, 'writing the run lock', LOCK_KEPT, async () => {
      await ops.writeFile(path, `${JSON.stringify(owner)}\n`);
      await ops.syncFile(path);
    });
  } catch (error) {
    await rm(path, { force: true }).catch(() => {});
    throw error;
  }
  return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function youngerThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < ms;
  } catch {
    return true; // gone meanwhile: the next attempt sees
  }
}

/**
 * The lock's text and owner; undefined when there is no lock; owner 'torn' when the text is empty
 * or unparsable.
 */
async function readLock(path: string): Promise<{ text: string; owner: LockOwner | 'torn' } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (Number.isInteger(owner.pid) && typeof owner.host === 'string') return { text, owner };
  } catch {}
  return { text, owner: 'torn' };
}

/** Whether the owner is gone: on this host, its pid no longer names a running process. */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0); // signal 0: existence check only
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes the stale lock whose text was `staleText`, unless it changed meanwhile. Takers serialise
 * on `<lock>.takeover` (O_EXCL): a taker that judged the old lock stale must not remove the fresh
 * lock another taker made after removing it, so the text is read again under the guard. A guard
 * left by a taker that died is removed once older than `grace`.
 */
async function removeIfUnchanged(path: string, staleText: string, grace: number): Promise<void> {
  const guard = `${path}.takeover`;
  if (
    !(await createExclusive(guard, { pid: process.pid, host: hostname(), started: new Date().toISOString() }))
  ) {
    if (!(await youngerThan(guard, grace))) await rm(guard, { force: true });
    else await sleep(Math.min(20, grace / 4));
    return;
  }
  try {
    if ((await readLock(path))?.text === staleText) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

async function releaseIfMine(
  path: string,
  me: LockOwner,
  ops: FileOps,
  warn: (line: string) => void,
): Promise<void> {
  const owner = (await readLock(path))?.owner;
  const mine =
    typeof owner === 'object' &&
    owner.pid === me.pid &&
    owner.host === me.host &&
    owner.started === me.started;
  if (!mine) return;
  try {
    await ops.rm(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    // The run itself is complete: failing it now would report a finished run as failed.
    warn(
      `${path}: removing the run lock failed with ${code}; the next trainer takes it over once pid ${me.pid} has exited`,
    );
  }
}

function inUse(outDir: string, owner: LockOwner): RunFolderInUseError {
  const who = `pid ${owner.pid} on ${owner.host}, since ${owner.started}`;
  const way =
    owner.host === hostname()
      ? `wait for it to finish or stop it, or choose another --out (if pid ${owner.pid} is no training, delete ${join(outDir, LOCK_FILE)})`
      : `if that run is over, delete ${join(outDir, LOCK_FILE)}; or choose another --out`;
  return new RunFolderInUseError(`${outDir} is in use by another training run (${who}); ${way}`);
}
