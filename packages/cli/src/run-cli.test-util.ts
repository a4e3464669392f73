/** Running the built `befunet` CLI as users run it, for the CLI tests. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export { temporaryFolder } from '@befunet/testing';

/** The built CLI (`befunet` is this file's bin); the tests need `pnpm build` first. */
export const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export function runCli(args: string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 });
}

/** Runs the CLI expecting it to fail: its exit code and stderr (code 0 when it succeeded). */
export function runCliFailure(args: string[]): Promise<{ code: number; stderr: string }> {
  return runCli(args).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
}

/** `befunet train` of the tiny preset at 32 px on 4 synthetic images, batch 1, no validation (add --steps, --out). */
export const TINY_SYNTHETIC_TRAIN = [
  'train',
  '--backend',
  'cpu',
  '--preset',
  'tiny',
  '--size',
  '32',
  '--batch',
  '1',
  '--synthetic-images',
  '4',
  '--val-fraction',
  '0',
];

/** Every file under `dir` with the SHA-256 of its bytes, by relative path. */
export function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path.slice(dir.length + 1), createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  return out;
}
