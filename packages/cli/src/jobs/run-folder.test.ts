import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@befunet/common';
import { testProject } from '@befunet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '../run-cli.test-util.js';
import { claimRunFolder, previousRunEntries } from './run-folder.js';

const tmp = temporaryFolder('befunet-run-folder-');
afterAll(tmp.remove);

/** A folder that looks like a finished run: a model file and a checkpoint, with known bytes. */
function fakeRun(name: string): string {
  const dir = join(tmp.path, name);
  mkdirSync(join(dir, 'model'), { recursive: true });
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'model', 'model.json'), '{"trained": 80}');
  writeFileSync(join(dir, 'checkpoints', 'latest.json'), '{"step": 80}');
  return dir;
}

// File-system logic only: once, in the cpu project.
describe.runIf(testProject() === 'cpu')('claimRunFolder', () => {
  it('accepts a missing or empty folder, and one without a run', async () => {
    expect(await claimRunFolder(join(tmp.path, 'absent'), {})).toBeUndefined();
    const other = join(tmp.path, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    expect(previousRunEntries(other)).toEqual([]);
    expect(await claimRunFolder(other, {})).toBeUndefined();
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a folder holding a run, naming it, what it holds and --resume / --force; nothing changes', async () => {
    const dir = fakeRun('refused');
    const claim = claimRunFolder(dir, {});
    await expect(claim).rejects.toThrow(ConfigError);
    await expect(claimRunFolder(dir, {})).rejects.toThrow(
      new RegExp(
        `${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already holds a training run \\(model, checkpoints\\).*--resume.*--force`,
      ),
    );
    expect(readFileSync(join(dir, 'model', 'model.json'), 'utf8')).toBe('{"trained": 80}');
  });

  it('resume leaves the run in place', async () => {
    const dir = fakeRun('resumed');
    expect(await claimRunFolder(dir, { resume: true })).toBeUndefined();
    expect(readFileSync(join(dir, 'checkpoints', 'latest.json'), 'utf8')).toBe('{"step": 80}');
  });

  it('force moves the run aside whole (renamed, not deleted), twice in the same second too', async () => {
    const now = new Date('2026-12-06T10:20:30.456Z');
    const first = fakeRun('forced');
    const aside = await claimRunFolder(first, { force: true }, now);
    expect(aside).toBe(`${first}.replaced-2026-12-06T10-20-30-456Z`);
    expect(existsSync(first)).toBe(false);
    expect(readFileSync(join(aside!, 'model', 'model.json'), 'utf8')).toBe('{"trained": 80}');
    expect(readdirSync(join(aside!, 'checkpoints'))).toEqual(['latest.json']);
    fakeRun('forced');
    const second = await claimRunFolder(first, { force: true }, now);
    expect(second).toBe(`${aside}~2`);
    expect(existsSync(join(aside!, 'model', 'model.json'))).toBe(true);
    expect(existsSync(join(second!, 'model', 'model.json'))).toBe(true);
  });

  it('resume and force together are refused', async () => {
    await expect(claimRunFolder(fakeRun('both'), { resume: true, force: true })).rejects.toThrow(
      /resume and force are exclusive/,
    );
  });
});
