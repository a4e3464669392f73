/**
 * The clinical-format files of `scripts/clinical-fixtures.py`, written once per test file into a
 * temporary folder by pydicom and numpy (Debian python3-pydicom, run as /usr/bin/python3). Without
 * pydicom the tests that use them fail with Python's ImportError: they do not skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClinicalCase {
  /** Voxel (i, j, k) -> RAS mm, as the writer computed it from the geometry it wrote. */
  readonly affine: number[][];
  readonly size: [number, number, number];
  readonly slope?: number;
  readonly intercept?: number;
  readonly series?: string;
  readonly study?: string;
}

export interface ClinicalFiles {
  readonly dir: string;
  readonly expected: Record<string, ClinicalCase>;
  /** The bytes of a file under `dir`. */
  load(name: string): Uint8Array;
  /** The files of a series folder, named `folder/file`. */
  folder(name: string): { name: string; bytes: Uint8Array }[];
  remove(): void;
}

export const PYTHON = '/usr/bin/python3';

export function writeClinicalFiles(): ClinicalFiles {
  const dir = mkdtempSync(join(tmpdir(), 'befunet-clinical-'));
  const script = new URL('../../scripts/clinical-fixtures.py', import.meta.url).pathname;
  execFileSync(PYTHON, [script, dir]);
  const load = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
  return {
    dir,
    expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')),
    load,
    folder: (name) =>
      readdirSync(join(dir, name)).map((f) => ({ name: `${name}/${f}`, bytes: load(join(name, f)) })),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The stored value of voxel (i, j, k) in every fixture (the script's formula). */
export const storedValue = (i: number, j: number, k: number): number =>
  ((i * 7 + j * 13 + k * 31) % 1000) - 200;
