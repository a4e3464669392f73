/**
 * Losing the WebGPU device while the CLI trains (`BEFUNET_INJECT_DEVICE_LOSS_MS`, the fault-injection
 * hook of src/main.ts): it exits 1 with one line naming the loss. The library's side (errors, a new
 * device afterwards) is tested in @befunet/core's reliability/device-loss.test.ts.
 */
import { execFile } from 'node:child_process';
import { testProject } from '@befunet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, temporaryFolder } from '../src/run-cli.test-util.js';

const folder = temporaryFolder('befunet-lost-');
afterAll(folder.remove);

/** Runs the built CLI with the device destroyed `ms` after the backend starts: exit code and stderr. */
function runLosingDevice(args: string[], ms: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, BEFUNET_INJECT_DEVICE_LOSS_MS: String(ms) };
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env, timeout: 180_000 },
      (error, _out, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    );
    child.stdin?.end();
  });
}

describe.runIf(testProject() === 'webgpu')('befunet on a lost WebGPU device', () => {
  it('exits non-zero with a message naming the loss (child process)', async () => {
    const job = ['job', '--backend', 'webgpu', '--steps', '100000', '--batch', '1', '--size', '32'];
    const result = await runLosingDevice([...job, '--out', folder.path], 4000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/befunet: WebGpuDeviceLostError: .*the WebGPU device was lost \(destroyed/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
