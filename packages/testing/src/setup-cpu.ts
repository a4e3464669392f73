/**
 * vitest setup file of the `cpu` project: every test in the file runs on TF.js's `cpu` backend.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect } from 'vitest';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
  await tf.ready();
  expect(tf.getBackend()).toBe('cpu');
});
