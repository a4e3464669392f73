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
 * checkpoint or the new complete one; leftovers of a killed save are removed by the next save.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@befunet/common';
import { CHECKPOINT_FILES, type CheckpointFiles } from './checkpoint.js';
import type { CheckpointStore, CheckpointTag } from './checkpoint-store.js';

const FOLDER = /^(latest|best)\.[0-9a-z-]+$/;
let saves = 0;

async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** fsync of a folder, so that renames in it are durable (not possible on every platform: ignored there). */
async function syncFolder(path: string): Promise<void> {
  try {
    const folder = await open(path, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch {
    // Windows cannot open folders for syncing; the rename is still atomic there.
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

export function fileCheckpointStore(dir: string): CheckpointStore {
  const pointer = (tag: CheckpointTag) => join(dir, `${tag}.json`);
  return {
    location: dir,
    describe: (tag) => join(dir, `${tag}.json`),

    async save(tag, files) {
      await mkdir(dir, { recursive: true });
      const name = `${tag}.${Date.now().toString(36)}-${process.pid.toString(36)}-${(saves++).toString(36)}`;
      const partial = join(dir, `${name}.partial`);
      await mkdir(partial);
      await writeDurably(join(partial, CHECKPOINT_FILES.model), files.model);
      await writeDurably(join(partial, CHECKPOINT_FILES.optimizer), files.optimizer);
      await writeDurably(join(partial, CHECKPOINT_FILES.state), files.state);
      await syncFolder(partial);
      await rename(partial, join(dir, name));
      const temporary = `${pointer(tag)}.tmp-${name}`;
      await writeDurably(temporary, `${JSON.stringify({ folder: name })}\n`);
      await rename(temporary, pointer(tag));
      await syncFolder(dir);
      // The tag's other folders (older checkpoints, leftovers of killed saves) are no longer named.
      for (const entry of await readdir(dir)) {
        if (entry !== name && entry.startsWith(`${tag}.`) && entry !== `${tag}.json`) {
          await rm(join(dir, entry), { recursive: true, force: true });
        }
      }
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
