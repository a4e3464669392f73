import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';

afterEach(async () => {
  await tf.setBackend('cpu');
});

describe('useBackend', () => {
  it('wasm: the WebAssembly backend with the training kernels it lacks', async () => {
    const backend = await useBackend('wasm');
    expect(backend.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(backend.description).toMatch(/^wasm \(/);
    for (const kernel of [
      tf.Conv2DBackpropFilter,
      tf.DepthwiseConv2dNativeBackpropFilter,
      tf.DepthwiseConv2dNativeBackpropInput,
      tf.UnsortedSegmentSum,
    ]) {
      expect(tf.getKernel(kernel, 'wasm'), kernel).toBeDefined();
    }
    backend.dispose();
  });

  it('cpu stays available', async () => {
    const backend = await useBackend('cpu');
    expect(backend.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown name with the list of choices', async () => {
    await expect(useBackend('gpu' as never)).rejects.toThrow(ConfigError);
    await expect(useBackend('gpu' as never)).rejects.toThrow(
      /backend must be auto, webgpu, wasm, cpu, got 'gpu'/,
    );
  });
});
