/**
 * Listing and reading the files of data set folders (Node.js), with errors that say what to fix.
 */
import { open, readdir, readFile } from 'node:fs/promises';
import { BefunetError, ConfigError, FileFormatError } from '@befunet/common';
import { stemOf } from './file-pairing.js';

/**
 * The names of the files in `folder` that end with one of `extensions` (lower case, with the dot),
 * sorted by code unit (the same order on every platform). `role` names the folder in errors,
 * e.g. `FolderDataset: images folder`.
 */
export async function listFiles(
  folder: string,
  extensions: readonly string[],
  role: string,
): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ENOTDIR'
          ? 'is not a folder'
          : `cannot be read (${code})`;
    throw new ConfigError(`${role} ${folder} ${problem}`, { cause: error });
  }
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .filter((name) => stemOf(name, extensions) !== null)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) {
    throw new ConfigError(`${role} ${folder} holds no ${extensions.join(' / ')} files`);
  }
  return names;
}

/**
 * The bytes of `path`, or only its first `limit` bytes; a failure is a FileFormatError naming the
 * file.
 */
export async function readDataFile(path: string, limit?: number): Promise<Uint8Array> {
  try {
    if (limit === undefined) return new Uint8Array(await readFile(path));
    const file = await open(path, 'r');
    try {
      const buffer = new Uint8Array(limit);
      const { bytesRead } = await file.read(buffer, 0, limit, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (error) {
    throw new FileFormatError(path, `cannot read the file (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Runs `decode` on the bytes of `path`; an error that does not come from this library with the
 * file's name already in it becomes a FileFormatError naming the file.
 */
export function decodeFile<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (BefunetError.isInstance(error) && error.message.includes(path)) throw error;
    throw new FileFormatError(path, `cannot decode the file: ${(error as Error).message}`, { cause: error });
  }
}
