/**
 * Cross-backend comparisons: run the same computation on another backend (usually `cpu`, as the
 * reference for `webgpu`) and come back.
 *
 * Tensors cannot be moved from WebGPU to the CPU synchronously in Node.js, so `fn` must create every
 * tensor it uses from plain values (seeded initializers give the same weights on every backend) and
 * return plain arrays (`await t.data()`).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

export async function runOnBackend<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' could not be initialised`);
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}

/** The vitest project running this file (`cpu` or `webgpu`), known before any backend is set. */
export function testProject(): 'cpu' | 'webgpu' {
  const project = process.env.BEFUNET_TEST_PROJECT;
  if (project !== 'cpu' && project !== 'webgpu') {
    throw new Error(`BEFUNET_TEST_PROJECT is '${project}': run tests through the package's vitest config`);
  }
  return project;
}
