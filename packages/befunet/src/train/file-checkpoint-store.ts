/**
 * Checkpoints in a folder of the Node.js file system, replaced atomically:
 *
 *   <dir>/latest.json              {"folder": "latest.<id>"}   which folder is the checkpoint
 *   <dir>/latest.<id>/             model.safetensors, optimizer.safetensors, state.json
 *   <dir>/best.json, <dir>/best.<id>/
 *
 * Saving writes a new folder under a `.partial` name, fsyncs its files and renames it, then
 * replaces the pointer file (temporary file, fsync, rename, fsync of the folder), then removes the
 * tag's older folders. A kill at any moment leaves the pointer naming either the previous complete
 * checkpoint or the new complete one; leftovers of a killed save are removed by the next save. A
 * failed save (disk full, I/O error, a failed fsync or rename) throws a `FileWriteError` naming the
 * file and the system's code, after removing its new folder and temporary files: the pointer still
 * names the previous checkpoint. The file operations go through `FileOps` (tests inject faults there).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@befunet/common';
import {
  type FileOps,
  failingAs,
  nodeFileOps,
  removeQuietly,
  replaceFile,
  syncFolderOf,
} from '@befunet/common/node';
import { CHECKPOINT_FILES, type CheckpointFiles } from './checkpoint.js';
import type { CheckpointStore, CheckpointTag } from './checkpoint-store.js';

const FOLDER = /^(latest|best)\.[0-9a-z-]+$/;
let saves = 0;

/** Writes the three files of a checkpoint into the new folder `partial`, each fsynced, then the folder. */
async function writeFolder(
  partial: string,
  files: CheckpointFiles,
  ops: FileOps,
  kept: string,
): Promise<void> {
  const step = (path: string, what: string, operation: () => Promise<void>) =>
    failingAs(path, what, kept, operation);
  await step(partial, 'creating the checkpoint folder', () => ops.mkdir(partial));
  const contents = [
    [CHECKPOINT_FILES.model, files.model],
    [CHECKPOINT_FILES.optimizer, files.optimizer],
    [CHECKPOINT_FILES.state, files.state],
  ] as const;
  for (const [name, data] of contents) {
    const path = join(partial, name);
    await step(path, 'writing', () => ops.writeFile(path, data));
    await step(path, 'fsync', () => ops.syncFile(path));
  }
  await step(partial, 'fsync of the checkpoint folder', () => ops.syncFolder(partial));
}

/** Removes the tag's folders other than `keep` (older checkpoints, leftovers of failed or killed saves). */
async function removeOthers(dir: string, tag: CheckpointTag, keep: string, ops: FileOps): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry !== keep && entry.startsWith(`${tag}.`) && entry !== `${tag}.json`) {
      await removeQuietly(join(dir, entry), ops);
    }
  }
}

async function readOrExplain<T>(path: string, read: () => Promise<T>, what: string): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new FileFormatError(
      path,
      code === 'ENOENT' ? `missing: ${what}` : `cannot be read (${code ?? String(cause)})`,
      { cause },
    );
  }
}

/** Reads the three files of one checkpoint folder (`<dir>/latest.<id>` or a copy of it). */
export async function loadCheckpointFolder(folder: string): Promise<CheckpointFiles> {
  const read = (name: string) =>
    readOrExplain(
      join(folder, name),
      () => readFile(join(folder, name)),
      'the checkpoint folder is incomplete',
    );
  // One after the other, so that the first missing file is the one reported.
  const model = await read(CHECKPOINT_FILES.model);
  const optimizer = await read(CHECKPOINT_FILES.optimizer);
  const state = await read(CHECKPOINT_FILES.state);
  return {
    model: new Uint8Array(model),
    optimizer: new Uint8Array(optimizer),
    state: state.toString('utf8'),
  };
}

export interface FileCheckpointStoreOptions {
  /** The file operations saving goes through (default: node:fs); tests wrap them to inject faults. */
  fileOps?: FileOps;
}

export function fileCheckpointStore(dir: string, options: FileCheckpointStoreOptions = {}): CheckpointStore {
  const ops = options.fileOps ?? nodeFileOps;
  const pointer = (tag: CheckpointTag) => join(dir, `${tag}.json`);
  return {
    location: dir,
    describe: (tag) => join(dir, `${tag}.json`),

    async save(tag, files) {
      const kept = `the previous '${tag}' checkpoint is kept`;
      await failingAs(dir, 'creating the checkpoint folder', kept, () => ops.mkdir(dir, { recursive: true }));
      const name = `${tag}.${Date.now().toString(36)}-${process.pid.toString(36)}-${(saves++).toString(36)}`;
      const partial = join(dir, `${name}.partial`);
      try {
        await writeFolder(partial, files, ops, kept);
        await failingAs(partial, 'renaming the finished folder', kept, () =>
          ops.rename(partial, join(dir, name)),
        );
        await replaceFile(pointer(tag), `${JSON.stringify({ folder: name })}\n`, ops, kept);
      } catch (error) {
        await removeQuietly(partial, ops);
        await removeQuietly(join(dir, name), ops);
        throw error;
      }
      // From here on the pointer names the new checkpoint.
      await syncFolderOf(pointer(tag), ops);
      await removeOthers(dir, tag, name, ops);
    },

    async load(tag) {
      let text: string;
      try {
        text = await readFile(pointer(tag), 'utf8');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new FileFormatError(pointer(tag), `cannot be read (${String(cause)})`, { cause });
      }
      let folder: unknown;
      try {
        folder = (JSON.parse(text) as { folder?: unknown }).folder;
      } catch (cause) {
        throw new FileFormatError(pointer(tag), 'is not valid JSON (a corrupt checkpoint pointer)', {
          cause,
        });
      }
      if (typeof folder !== 'string' || !FOLDER.test(folder) || !folder.startsWith(`${tag}.`)) {
        throw new FileFormatError(
          pointer(tag),
          `does not name a '${tag}' checkpoint folder: ${JSON.stringify(folder)}`,
        );
      }
      return loadCheckpointFolder(join(dir, folder));
    },
  };
}
