/**
 * Fault subjects (write-faults.ts) for the run folder of `befunet train` and the main job: the write
 * of the run lock, and `--force`'s move of a previous run aside. The previous run is a folder with
 * `metrics.json` and a model file of known bytes; it must be found unchanged in place (or, once the
 * move's rename succeeded, under its new name).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '@befunet/common/node';
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

/**
 * A file of the run written over its previous version with `writeAtomically` (`metrics.json`, an
 * overlay PNG): before the rename the previous bytes must be there, after it the new ones.
 */
export function runFileSubject(
  name: 'metrics.json' | 'overlay',
  file: string,
  previous: Uint8Array | string,
  next: Uint8Array | string,
): SaveSubject {
  const path = (dir: string) => join(dir, 'run', file);
  return {
    name,
    async savePrevious(dir) {
      mkdirSync(join(path(dir), '..'), { recursive: true });
      writeFileSync(path(dir), previous);
    },
    saveNew: (dir, ops) => writeAtomically(path(dir), next, ops),
    async found(dir): Promise<Found> {
      const bytes = readFileSync(path(dir));
      if (bytes.equals(Buffer.from(previous))) return 'previous';
      return bytes.equals(Buffer.from(next)) ? 'new' : 'neither';
    },
    dispose() {},
  };
}

/** The two run files of the table: metrics.json (text) and an overlay (PNG-sized bytes). */
export function runFileSubjects(): SaveSubject[] {
  const png = (seed: number) => Uint8Array.from({ length: 2048 }, (_, i) => (i * 13 + seed) & 255);
  return [
    runFileSubject('metrics.json', 'metrics.json', METRICS, '{"steps": 4}\n'),
    runFileSubject('overlay', 'overlays/000_synthetic_0.png', png(1), png(2)),
  ];
}
