/**
 * A real full disk for tests: a small tmpfs mounted on a fresh folder (root only; otherwise the
 * reason to skip), and a filler file that leaves a given number of bytes free.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  /** Where the tmpfs is mounted. */
  readonly path: string;
  /** Mounts it: undefined, or why it could not be mounted (the reason to skip the tests). */
  mount(): string | undefined;
  /** Unmounts it (when mounted) and removes the folder. */
  remove(): void;
}

export function smallDisk(prefix: string, size = '64m'): SmallDisk {
  const path = mkdtempSync(join(tmpdir(), prefix));
  let mounted = false;
  return {
    path,
    mount() {
      if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'pipe' });
        mounted = true;
        return undefined;
      } catch (error) {
        return `mount -t tmpfs failed: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`;
      }
    },
    remove() {
      if (mounted) execFileSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Fills the disk of `dir` but `leftBytes` with one file, removed by the returned function. */
export function fillDisk(dir: string, leftBytes: number): () => void {
  const { bavail, bsize } = statfsSync(dir);
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, Number(bavail) * Number(bsize) - leftBytes)));
  return () => rmSync(filler, { force: true });
}
