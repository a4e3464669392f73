/**
 * Fault subjects (write-faults.ts) for the run folder of `befunet train` and the main job: the write
 * of the run lock, and `--force`'s move of a previous run aside. The previous run is a folder with
 * `metrics.json` and a model file of known bytes; it must be found unchanged in place (or, once the
 * move's rename succeeded, under its new name).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimRunFolder } from '../../cli/src/jobs/run-folder.js';
import { acquireRunLock } from '../../cli/src/jobs/run-lock.js';
import type { Found, SaveSubject } from './write-faults.js';

const METRICS = '{"steps": 3}\n';
const WEIGHTS = Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => (i * 7) & 255));

function writePreviousRun(dir: string): void {
  mkdirSync(join(dir, 'run', 'model'), { recursive: true });
  writeFileSync(join(dir, 'run', 'metrics.json'), METRICS);
  writeFileSync(join(dir, 'run', 'model', 'weights.bin'), WEIGHTS);
}

function holdsPreviousRun(runDir: string): boolean {
  try {
    return (
      readFileSync(join(runDir, 'metrics.json'), 'utf8') === METRICS &&
      readFileSync(join(runDir, 'model', 'weights.bin')).equals(WEIGHTS)
    );
  } catch {
    return false;
  }
}

/** Taking the run folder's lock over a previous run: nothing replaces it, so it must stay in every case. */
export function runLockSubject(): SaveSubject {
  return {
    name: 'run lock',
    commit: 'none',
    savePrevious: async (dir) => writePreviousRun(dir),
    async saveNew(dir, ops) {
      await (await acquireRunLock(join(dir, 'run'), { fileOps: ops })).release();
    },
    found: async (dir): Promise<Found> => (holdsPreviousRun(join(dir, 'run')) ? 'previous' : 'neither'),
    dispose() {},
  };
}

/** `--force`: the previous run is renamed aside; before the rename it must be in place, after it under the new name. */
export function moveAsideSubject(): SaveSubject {
  return {
    name: 'move aside',
    savePrevious: async (dir) => writePreviousRun(dir),
    async saveNew(dir, ops) {
      await claimRunFolder(join(dir, 'run'), { force: true }, new Date(0), ops);
    },
    async found(dir): Promise<Found> {
      if (holdsPreviousRun(join(dir, 'run'))) return 'previous';
      const aside = readdirSync(dir).find((name) => name.startsWith('run.replaced-'));
      return aside && holdsPreviousRun(join(dir, aside)) ? 'new' : 'neither';
    },
    dispose() {},
  };
}
