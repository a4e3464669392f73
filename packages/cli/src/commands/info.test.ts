import { testProject } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.test-util.js';

// The CLI runs in child processes that pick their backend by flag: once, in the cpu project.
describe.runIf(testProject() === 'cpu')('befunet info', () => {
  it("reports the official preset's parameter count and GMACs", async () => {
    const { stdout } = await runCli(['info', '--backend', 'cpu', '--preset', 'official', '--json']);
    const info = JSON.parse(stdout);
    expect(info.backend).toBe('cpu');
    // 29,461,525 parameters affect the official output (BASELINES/official code), less the
    // 864 class-token position rows this graph drops (see officialParameterCounts).
    expect(info.parameters).toBe(29_461_525 - 864);
    // BASELINES.md: about 5.8 GMAC per 224x224 image without the no-op DLF (ours counts the
    // convolutions and matrix products of the effective graph).
    expect(info.macsPerImage / 1e9).toBeGreaterThan(5);
    expect(info.macsPerImage / 1e9).toBeLessThan(9);
  });

  it('prints a table for the tiny preset', async () => {
    const { stdout } = await runCli(['info', '--backend', 'cpu', '--preset', 'tiny', '--size', '32']);
    expect(stdout).toMatch(/paper graph, 32x32 input, 4 classes/);
    expect(stdout).toMatch(/edge_encoder\s+befunet>EdgeEncoder\s+[\d,]+/);
    expect(stdout).toMatch(/\d+\.\d\d GMAC per image/);
  });
});

describe.runIf(testProject() === 'webgpu')('befunet info on webgpu', () => {
  it('initialises WebGPU in the CLI process, reports it and exits', async () => {
    const { stdout, stderr } = await runCli([
      'info',
      '--backend',
      'webgpu',
      '--preset',
      'tiny',
      '--size',
      '32',
      '--json',
    ]);
    expect(stderr).toMatch(/backend: webgpu \(Dawn/);
    expect(JSON.parse(stdout).backend).toBe('webgpu');
  });
});
