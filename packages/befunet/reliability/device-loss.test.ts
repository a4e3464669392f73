/**
 * Losing the WebGPU device mid-run (GPUDevice.destroy(), as a driver reset would): the library
 * raises a WebGpuDeviceLostError giving the reason instead of hanging or returning garbage, and a new
 * device works afterwards. The CLI's exit on a lost device is tested in @befunet/cli
 * (test/device-loss.test.ts).
 */
import { WebGpuDeviceLostError } from '@befunet/common';
import { readBack } from '@befunet/kernels';
import { initNodeWebGpu, type NodeWebGpu } from '@befunet/kernels/node';
import { diceCeLoss } from '@befunet/losses';
import { testProject } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { segment } from '../src/inference/segment.js';
import { createBefunet } from '../src/model/befunet.js';
import { befunetConfig } from '../src/model/config.js';

const SIZE = 32;
const tiny = () => createBefunet(befunetConfig('tiny', { imageSize: SIZE }));
const images = (seed: number) => tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', seed);
const destroyDevice = () => (tf.backend() as unknown as { device: GPUDevice }).device.destroy();

/** Resolves with what `promise` throws (or `resolved` when it does not), failing after `ms`. */
async function failure(promise: Promise<unknown>, ms = 60_000): Promise<unknown> {
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`no answer in ${ms} ms: a hang`)), ms),
  );
  return Promise.race([
    promise.then(
      () => 'resolved',
      (e: unknown) => e,
    ),
    timeout,
  ]);
}

describe.runIf(testProject() === 'webgpu')('WebGPU device loss', () => {
  const fresh: NodeWebGpu[] = [];
  afterAll(() => {
    for (const gpu of fresh) gpu.dispose();
  });

  /** A new device and webgpu backend (the old one's tensors are gone with it). */
  async function newDevice(): Promise<void> {
    fresh.push(await initNodeWebGpu({ cpuForward: false }));
    expect(tf.getBackend()).toBe('webgpu');
  }

  it('during a forward pass: segment raises WebGpuDeviceLostError; a new device then segments', async () => {
    let model: tfl.LayersModel = tiny();
    const warm = await segment(model, images(1));
    expect(warm.shape).toEqual([1, SIZE, SIZE, 4]);
    warm.dispose();
    // Kernels queued, device destroyed before the read-back that ends the call.
    const pending = segment(model, images(2));
    destroyDevice();
    const error = await failure(pending);
    expect(error).toBeInstanceOf(WebGpuDeviceLostError);
    expect((error as Error).message).toMatch(
      /^images: the WebGPU device was lost \(destroyed: .+\); results cannot be trusted/,
    );
    // Every later read is refused the same way, instead of returning stale bytes.
    const later = await failure(readBack('logits', () => (model.predict(images(3)) as tf.Tensor).data()));
    expect(later).toBeInstanceOf(WebGpuDeviceLostError);

    await newDevice();
    model = tiny();
    const logits = await segment(model, images(4));
    const values = await logits.data();
    expect(logits.shape).toEqual([1, SIZE, SIZE, 4]);
    expect(values.every(Number.isFinite)).toBe(true);
    // The new device computes correctly: a sum against its closed form n(n - 1)/2.
    const sum = await tf.sum(tf.range(0, 1000)).data();
    expect(sum[0]).toBe(499_500);
    tf.dispose(logits);
    model.dispose();
  });

  it('between training steps: the next step raises WebGpuDeviceLostError; a new device trains', async () => {
    const step = async (model: tfl.LayersModel, optimizer: tf.Optimizer) => {
      const labels = tf.zeros([1, SIZE, SIZE], 'int32');
      const x = images(5);
      const loss = optimizer.minimize(
        () => diceCeLoss(labels, (model.apply(x, { training: true }) as tf.Tensor[])[0]!) as tf.Scalar,
        true,
      )!;
      try {
        return (await readBack('loss', () => loss.data()))[0]!;
      } finally {
        tf.dispose([labels, x, loss]);
      }
    };
    let model = tiny();
    let optimizer = tf.train.adam(1e-3);
    expect(Number.isFinite(await step(model, optimizer))).toBe(true);
    destroyDevice();
    const error = await failure(step(model, optimizer));
    expect(error).toBeInstanceOf(WebGpuDeviceLostError);
    expect((error as Error).message).toMatch(/^loss: the WebGPU device was lost \(destroyed/);

    await newDevice();
    model = tiny();
    optimizer = tf.train.adam(1e-3);
    expect(Number.isFinite(await step(model, optimizer))).toBe(true);
    optimizer.dispose();
    model.dispose();
  });
});
