/**
 * The output folder of a training run is never overwritten by accident: a folder that already holds
 * a run (a model, checkpoints or metrics) is continued with `resume`, moved aside with `force`, or
 * refused. Moving aside is a rename, so the old run stays whole and loadable under its new name; a
 * failed rename throws a FileWriteError naming the folder and the cause, and leaves the run in place.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '@befunet/common';
import { type FileOps, failingAs, nodeFileOps } from '@befunet/common/node';

/** What a training run leaves in its folder; any one of them means the folder holds a run. */
const RUN_ENTRIES = ['model', 'checkpoints', 'metrics.json'] as const;

export interface RunFolderPolicy {
  /** Continue the run in the folder (its latest checkpoint). */
  resume?: boolean;
  /** Move a run already in the folder aside (renamed, never deleted) and start afresh. */
  force?: boolean;
}

/** The entries of a previous run found in `outDir` (empty when there is none). */
export function previousRunEntries(outDir: string): string[] {
  return RUN_ENTRIES.filter((entry) => existsSync(join(outDir, entry)));
}

/** `<outDir>.replaced-<UTC time>`, with a counter if that name is taken. */
function asideName(outDir: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const base = `${outDir.replace(/[/\\]+$/, '')}.replaced-${stamp}`;
  let name = base;
  for (let k = 2; existsSync(name); k++) name = `${base}~${k}`;
  return name;
}

/**
 * Makes `outDir` ready for a run under `policy`. Returns where a previous run was moved, if it was.
 * Throws a ConfigError naming the folder, what it holds and the two ways on when it holds a run and
 * neither `resume` nor `force` is set.
 */
export async function claimRunFolder(
  outDir: string,
  policy: RunFolderPolicy,
  now = new Date(),
  ops: FileOps = nodeFileOps,
): Promise<string | undefined> {
  if (policy.resume && policy.force) {
    throw new ConfigError(
      'resume and force are exclusive: resume continues the run in the folder, force moves it aside',
    );
  }
  const found = previousRunEntries(outDir);
  if (found.length === 0 || policy.resume) return undefined;
  if (!policy.force) {
    throw new ConfigError(
      `the output folder ${outDir} already holds a training run (${found.join(', ')}); ` +
        'pass --resume to continue it, --force to move it aside (renamed, not deleted), or choose another --out',
    );
  }
  return moveAside(outDir, 'run', now, ops);
}

/**
 * Renames `folder` to `<folder>.replaced-<UTC time>` (never deletes it) and returns the new name.
 * `what` names its content in errors ('run', 'model'). A failed rename leaves it where it was.
 */
export async function moveAside(
  folder: string,
  what: string,
  now = new Date(),
  ops: FileOps = nodeFileOps,
): Promise<string> {
  const aside = asideName(folder, now);
  await failingAs(
    folder,
    `moving the previous ${what} aside to ${aside}`,
    `the previous ${what} is kept where it was`,
    () => ops.rename(folder, aside),
  );
  await failingAs(
    aside,
    'fsync of its folder after the move',
    `the ${what} is moved but the move may not survive a crash`,
    () => ops.syncFolder(dirname(aside)),
  );
  return aside;
}
