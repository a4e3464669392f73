/** `bench/model.ts` (the model benchmark, not published) on the tiny preset at 32 px, batch 2: the short mode CI runs so that the benchmark cannot rot. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testProject } from '@befunet/testing';
import { describe, expect, it } from 'vitest';

const TSX = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./model.ts', import.meta.url));

const benchTiny = (backend: 'cpu' | 'webgpu', runs: number) =>
  promisify(execFile)(
    process.execPath,
    [
      TSX,
      SCRIPT,
      '--backend',
      backend,
      '--preset',
      'tiny',
      '--size',
      '32',
      '--batch',
      '2',
      '--runs',
      String(runs),
    ],
    { timeout: 300_000, maxBuffer: 64 << 20 },
  );

// The script runs in child processes that pick their backend by flag: once per backend project.
describe.runIf(testProject() === 'cpu')('bench/model.ts', () => {
  it('benchmarks a preset and prints the table', async () => {
    const { stdout } = await benchTiny('cpu', 1);
    expect(stdout).toMatch(/forward, batch 1\s+\d+\.\d ms/);
    expect(stdout).toMatch(/forward, batch 2\s+\d+\.\d ms \(\d+\.\d img\/s\)/);
    expect(stdout).toMatch(/training step\s+\d+\.\d ms/);
  });

  it('names a bad option in one line and exits 1, without a stack trace', async () => {
    const error = await promisify(execFile)(process.execPath, [
      TSX,
      SCRIPT,
      '--backend',
      'cpu',
      '--runs',
      'many',
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /bench\/model\.ts: \w+: --runs must be an integer in 1\.\.10000, got 'many'/,
      ),
    });
    expect(error?.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.runIf(testProject() === 'webgpu')('bench/model.ts on WebGPU', () => {
  it('prints the replayed forward passes and training step beside the TF.js ones', async () => {
    const { stdout } = await benchTiny('webgpu', 2);
    expect(stdout).toMatch(/backend\s+webgpu/);
    expect(stdout).toMatch(/forward, batch 1, replayed\s+\d+\.\d ms/);
    expect(stdout).toMatch(/forward, batch 2, replayed\s+\d+\.\d ms \(\d+\.\d img\/s\)/);
    expect(stdout).toMatch(/training step, replayed\s+\d+\.\d ms/);
    expect(stdout).toMatch(/CPU to issue forward b1, TF\.js \/ replay\s+\d+\.\d \/ \d+\.\d\d ms/);
    expect(stdout).toMatch(/CPU to issue a step, TF\.js \/ replay\s+\d+\.\d \/ \d+\.\d\d ms/);
    expect(stdout).toMatch(/GPU memory, replayed step\s+\d+ MiB/);
  });
});
