/** Running the built `befunet` CLI as users run it, for the CLI tests. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The built CLI (`befunet` is this file's bin); the tests need `pnpm build` first. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export function runCli(args: string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 });
}

/** A fresh temporary folder and its removal. */
export function temporaryFolder(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
