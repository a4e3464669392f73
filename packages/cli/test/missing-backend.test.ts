/**
 * An optional backend package that is not installed: the CLI exits 1 with one line saying what to
 * install, never a stack trace. `hide-packages.mjs` makes the packages resolve as missing, since the
 * workspace has them all (core's `importOptional` tests cover the mechanism itself).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testProject } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { CLI } from '../src/run-cli.test-util.js';

const HIDE = fileURLToPath(new URL('./hide-packages.mjs', import.meta.url));

/** Runs the built CLI with `hidden` resolving as not installed: exit code and stderr. */
function runWithout(hidden: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', HIDE, CLI, ...args],
      { env: { ...process.env, BEFUNET_HIDE_PACKAGES: hidden }, timeout: 120_000 },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });
}

/** The lines the CLI itself printed (Dawn may print its own warnings on stderr). */
const befunetLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('befunet:'));

const CASES: [string, string[], RegExp][] = [
  [
    '@tensorflow/tfjs-backend-wasm',
    ['info', '--backend', 'wasm'],
    /^befunet: ConfigError: @tensorflow\/tfjs-backend-wasm is not installed; npm i @tensorflow\/tfjs-backend-wasm to use --backend wasm$/,
  ],
  [
    '@tensorflow/tfjs-backend-wasm',
    ['train', '--backend', 'wasm'],
    /^befunet: ConfigError: @tensorflow\/tfjs-backend-wasm is not installed; npm i @tensorflow\/tfjs-backend-wasm to use --backend wasm$/,
  ],
  [
    'webgpu',
    ['info', '--backend', 'webgpu'],
    /^befunet: WebGpuUnavailableError: WebGPU in Node.js needs the 'webgpu' package \(Dawn\): npm i webgpu /,
  ],
];

// The CLI runs in child processes that pick their backend by flag: once, in the cpu project.
describe.runIf(testProject() === 'cpu')('befunet without an optional backend', () => {
  it.each(CASES)('without %s, befunet %j prints a one-line hint and exits 1', async (hidden, args, hint) => {
    const { code, stderr } = await runWithout(hidden, args);
    expect(code).toBe(1);
    expect(befunetLines(stderr)).toEqual([expect.stringMatching(hint)]);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
