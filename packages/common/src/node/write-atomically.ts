/**
 * Writing a file so that readers (and a crash) see either its previous content or the new one,
 * never a partial file: write a temporary file next to it, fsync it, rename it over the target,
 * fsync the folder. On any failure the temporary file is removed, the target keeps its previous
 * content, and a `FileWriteError` names the target, the failed operation and the system's code.
 */
import { dirname } from 'node:path';
import { FileWriteError } from '../errors.js';
import { type FileOps, nodeFileOps } from './file-ops.js';

let writes = 0;

/** A name beside `path` that no other writer (process or concurrent call) uses. */
export function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid.toString(36)}-${Date.now().toString(36)}-${(writes++).toString(36)}`;
}

/** Runs `operation`, turning its system error into a `FileWriteError` naming `path`. */
export async function failingAs<T>(
  path: string,
  what: string,
  kept: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (cause) {
    if (cause instanceof FileWriteError) throw cause;
    throw new FileWriteError(path, what, cause, kept);
  }
}

/** Removes `path` after a failed write; a failure to remove it must not hide the write's error. */
export async function removeQuietly(path: string, ops: FileOps): Promise<void> {
  try {
    await ops.rm(path);
  } catch {
    // The original error is the one to report; the leftover has a `.tmp-` name, found by the next writer.
  }
}

/** Fsync of the folder of `path` after a rename in it. */
export async function syncFolderOf(
  path: string,
  ops: FileOps,
  kept = 'the new content is in place but may not survive a crash',
): Promise<void> {
  await failingAs(path, 'fsync of its folder', kept, () => ops.syncFolder(dirname(path)));
}

/** Temporary file, fsync, rename over `path`: on failure the temporary file is removed and `path` is unchanged. */
export async function replaceFile(
  path: string,
  data: Uint8Array | string,
  ops: FileOps,
  kept = 'the previous content of the file is kept',
): Promise<void> {
  const temporary = temporaryName(path);
  try {
    await failingAs(path, 'writing the temporary file', kept, () => ops.writeFile(temporary, data));
    await failingAs(path, 'fsync of the temporary file', kept, () => ops.syncFile(temporary));
    await failingAs(path, 'renaming the temporary file over it', kept, () => ops.rename(temporary, path));
  } catch (error) {
    await removeQuietly(temporary, ops);
    throw error;
  }
}

export async function writeAtomically(
  path: string,
  data: Uint8Array | string,
  ops: FileOps = nodeFileOps,
): Promise<void> {
  await replaceFile(path, data, ops);
  await syncFolderOf(path, ops);
}
