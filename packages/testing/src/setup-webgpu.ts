/**
 * vitest setup file of the `webgpu` project: every test in the file runs on TF.js's `webgpu` backend
 * through Dawn (Vulkan on a GPU, OpenGL on Mesa llvmpipe otherwise), with `WEBGPU_CPU_FORWARD` off
 * so that even tiny ops run GPU kernels. No adapter means the file fails: it never skips.
 */
import '@tensorflow/tfjs-backend-cpu';
import { initNodeWebGpu, type NodeWebGpu } from '@befunet/kernels/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect } from 'vitest';

let gpu: NodeWebGpu | undefined;

beforeAll(async () => {
  gpu = await initNodeWebGpu({ cpuForward: false });
  expect(tf.getBackend()).toBe('webgpu');
  expect(tf.env().getBool('WEBGPU_CPU_FORWARD')).toBe(false);
});

afterAll(() => {
  gpu?.dispose();
});
