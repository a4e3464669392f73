import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { testProject } from '../../testing/src/backends.ts';

/** The names and functions of every kernel of the active backend, and the `Tile` gradient. */
function registry() {
  return {
    kernels: tf.getKernelsForBackend(tf.getBackend()).map((k) => [k.kernelName, k.kernelFunc] as const),
    tileGradient: tf.getGradient(tf.Tile),
    gradients: (tf.engine() as unknown as { gradients: unknown }).gradients,
  };
}

describe(`importing @befunet/kernels on ${testProject()}`, () => {
  it('registers and replaces nothing until a function of it is called', async () => {
    const before = registry();
    const kernels = await import('./index.js');
    await import('./node/index.js');
    expect(registry()).toEqual(before);
    expect(registry().kernels.every(([name]) => !name.startsWith('Befunet'))).toBe(true);
    // The fused ops register their own kernels on their first call (WebGPU only).
    const x = tf.ones([2, 8]);
    tf.dispose([kernels.gelu(x), kernels.layerNorm(x, tf.ones([8]), tf.zeros([8])), x]);
    const names = registry().kernels.map(([name]) => name);
    if (testProject() === 'webgpu')
      expect(names).toEqual(expect.arrayContaining(['BefunetGelu', 'BefunetLayerNorm']));
    else expect(names.some((name) => name.startsWith('Befunet'))).toBe(false);
  });
});
