/** Running the built `befunet` CLI as users run it, for the CLI tests. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export { temporaryFolder } from '@befunet/testing';

/** The built CLI (`befunet` is this file's bin); the tests need `pnpm build` first. */
export const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export function runCli(args: string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 });
}
