import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The bootstrap is exercised in fresh Node.js processes (importing the built package, as users do),
 * which also proves that `dispose()` lets the process exit.
 */
const probe = `
import { initNodeWebGpu } from '@befunet/kernels/node';
import * as tf from '@tensorflow/tfjs-core';
try {
  const gpu = await initNodeWebGpu();
  const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
  console.log(JSON.stringify({ path: gpu.path, backend: tf.getBackend(), y: Array.from(await y.data()),
    cpuForward: tf.env().getBool('WEBGPU_CPU_FORWARD') }));
  gpu.dispose();
} catch (e) {
  console.log(JSON.stringify({ error: e.name, message: e.message }));
  process.exitCode = 3;
}`;

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

async function runProbe(env: Record<string, string>) {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: packageDir,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, result: JSON.parse(stdout.trim().split('\n').at(-1)!) };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; killed?: boolean };
    if (err.killed) throw new Error('the probe process did not exit within 60 s');
    return { code: err.code, result: JSON.parse(err.stdout!.trim().split('\n').at(-1)!) };
  }
}

describe('initNodeWebGpu', () => {
  it('runs TF.js ops on WebGPU with CPU forwarding off, and lets the process exit after dispose()', async () => {
    const { code, result } = await runProbe({});
    expect(code).toBe(0);
    expect(result.backend).toBe('webgpu');
    expect(['vulkan', 'opengl']).toContain(result.path);
    expect(result.cpuForward).toBe(false);
    expect(result.y).toEqual([17, 39]);
  });

  it('fails with a message that says what to install when no adapter can be had', async () => {
    // An empty EGL vendor list hides Mesa from libglvnd; forcing OpenGL rules out a real GPU.
    const { code, result } = await runProbe({
      BEFUNET_WEBGPU: 'opengl',
      __EGL_VENDOR_LIBRARY_FILENAMES: '/nonexistent.json',
    });
    expect(code).toBe(3);
    expect(result.error).toBe('WebGpuUnavailableError');
    expect(result.message).toMatch(/no WebGPU adapter could be created \(opengl: no adapter\)/);
    expect(result.message).toMatch(/libegl-mesa0/);
  });

  it('rejects an unknown BEFUNET_WEBGPU value by name', async () => {
    const { code, result } = await runProbe({ BEFUNET_WEBGPU: 'metal' });
    expect(code).toBe(3);
    expect(result.message).toBe("BEFUNET_WEBGPU must be auto, vulkan or opengl, got 'metal'");
  });
});
