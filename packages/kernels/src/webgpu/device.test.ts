import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assertDeviceAlive, deviceLoss, readBack } from './device.js';

// Losing the device itself is tested in @befunet/core (reliability/device-loss.test.ts), where
// a new device is created afterwards; here, the behaviour while the device is alive.
describe('readBack with a live device', () => {
  it('returns what the read returns', async () => {
    const t = tf.tensor1d([1.5, -2]);
    expect([...(await readBack('t', () => t.data()))]).toEqual([1.5, -2]);
    t.dispose();
  });

  it('passes other failures through unchanged', async () => {
    const failure = new RangeError('not a device problem');
    await expect(readBack('t', () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('reports no loss', () => {
    expect(deviceLoss()).toBeUndefined();
    expect(() => assertDeviceAlive('x')).not.toThrow();
  });
});
