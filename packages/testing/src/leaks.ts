/**
 * Leak checks: the number of live tensors must not grow across repeated calls.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Runs `fn` once to warm up, then `repeats` more times, and asserts that no tensor is left behind. */
export async function expectNoLeak(fn: () => unknown | Promise<unknown>, repeats = 2): Promise<void> {
  const dispose = (r: unknown) => tf.dispose(r as tf.TensorContainer);
  dispose(await fn());
  const before = tf.memory().numTensors;
  for (let i = 0; i < repeats; i++) dispose(await fn());
  expect(tf.memory().numTensors, 'live tensors after repeated calls').toBe(before);
}
