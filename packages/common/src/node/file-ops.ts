/**
 * The file operations that every writer of a checkpoint or a model goes through, in one small
 * interface: tests wrap it to make the k-th call of an operation fail (disk full, I/O error, a
 * short write) without patching node:fs. `nodeFileOps` is the real thing, on node:fs/promises.
 */
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';

export interface FileOps {
  /** Creates or truncates `path` and writes `data` (not yet durable: `syncFile` makes it so). */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** fsync of a file: its content is on the disk once this returns. */
  syncFile(path: string): Promise<void>;
  /** fsync of a folder, so that entries created or renamed in it are durable (a no-op where folders cannot be synced). */
  syncFolder(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Removes a file or a folder with its content; a missing path is not an error. */
  rm(path: string): Promise<void>;
}

/** Errors of opening a folder for fsync on platforms that cannot do it (Windows): the rename is atomic there anyway. */
const FOLDER_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EBADF']);

async function syncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export const nodeFileOps: FileOps = {
  writeFile: (path, data) => writeFile(path, data),
  syncFile: (path) => syncPath(path, 'r+'),
  async syncFolder(path) {
    try {
      await syncPath(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!(process.platform === 'win32' && FOLDER_SYNC_UNSUPPORTED.has(code))) throw error;
    }
  },
  rename: (from, to) => rename(from, to),
  mkdir: async (path, options) => {
    await mkdir(path, options);
  },
  rm: (path) => rm(path, { recursive: true, force: true }),
};
