import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFileSystem } from '@befunet/common/node';
import { befunetConfigOf } from '@befunet/core';
import { testProject } from '@befunet/testing';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI as cli, runCli, temporaryFolder } from './run-cli.test-util.js';

const folder = temporaryFolder('befunet-cli-');
const out = folder.path;
afterAll(folder.remove);

// The CLI runs in child processes that pick their backend by flag: once, in the cpu project.
describe.runIf(testProject() === 'cpu')('befunet CLI', () => {
  it('--version prints the package version from package.json', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect((await runCli(['--version'])).stdout.trim()).toBe(`@befunet/cli ${manifest.version}`);
  });

  it('runs the main job end to end: trains, evaluates, saves a loadable model and the metrics', async () => {
    const { stdout, stderr } = await runCli([
      'job',
      '--backend',
      'cpu',
      '--steps',
      '2',
      '--batch',
      '1',
      '--size',
      '32',
      '--eval',
      '2',
      '--out',
      out,
    ]);
    expect(stderr).toMatch(/backend: cpu/);
    expect(stderr).toMatch(/epoch 1\/1 \[#{20}\] 2\/2 \| loss \d/);
    expect(stdout).toMatch(/held-out mean Dice \d\.\d{4}/);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(Number.isFinite(metrics.losses.first) && Number.isFinite(metrics.losses.last)).toBe(true);
    expect(metrics.final.cases).toBe(2);
    expect(readdirSync(join(out, 'overlays'))).toHaveLength(2);
    const model = await tfl.loadLayersModel(nodeFileSystem(join(out, 'model')));
    expect(befunetConfigOf(model).imageSize).toBe(32);
    model.dispose();
  });

  it('answers help, and exits non-zero with a message naming bad options and commands', async () => {
    expect((await runCli(['help'])).stdout).toMatch(/job\s+the main job/);
    expect((await runCli(['job', '--help'])).stdout).toMatch(
      /--steps VALUE\s+training steps \(default 1600\)/,
    );
    await expect(runCli(['job', '--backend', 'cpu', '--steps', 'many'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--steps must be an integer in 1\.\.1000000, got 'many'/),
    });
    await expect(runCli(['segment'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown command 'segment'; commands: job, train, eval, predict/),
    });
    await expect(runCli(['fuzz'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /'fuzz' is only available in a repository checkout \(it is not published\): pnpm --filter @befunet\/core fuzz/,
      ),
    });
    expect(existsSync(cli)).toBe(true);
  });
});
