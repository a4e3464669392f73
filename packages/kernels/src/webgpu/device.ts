/// <reference types="@webgpu/types" />
/**
 * Noticing a lost WebGPU device. Once TF.js's webgpu device is lost (destroyed, driver reset), every
 * kernel fails and every read-back rejects, in Dawn with a DOMException that carries no message; a
 * read that raced the loss may return stale bytes. `watchDeviceLoss` records the loss (from
 * `GPUDevice.lost`) and `readBack` turns a failed or suspect read into a WebGpuDeviceLostError that
 * gives the reason. A new device (initNodeWebGpu again, or a page reload) works normally afterwards.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGpuDeviceLostError } from '../errors.js';

const losses = new WeakMap<GPUDevice, string>();
const watched = new WeakSet<GPUDevice>();

/** Records when `device` is lost; idempotent. */
export function watchDeviceLoss(device: GPUDevice): void {
  if (watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => {
    losses.set(device, info.message ? `${info.reason ?? 'unknown'}: ${info.message}` : String(info.reason));
  });
}

/** The GPU device of the active TF.js backend, when it is `webgpu`. */
function activeDevice(): GPUDevice | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  return (tf.backend() as unknown as { device?: GPUDevice }).device;
}

/** Why the active backend's WebGPU device was lost, or undefined when it was not (or is not WebGPU). */
export function deviceLoss(): string | undefined {
  const device = activeDevice();
  return device ? losses.get(device) : undefined;
}

/** Throws a WebGpuDeviceLostError naming `what` and the reason when the active device was lost. */
export function assertDeviceAlive(what: string): void {
  const reason = deviceLoss();
  if (reason !== undefined) {
    throw new WebGpuDeviceLostError(
      `${what}: the WebGPU device was lost (${reason}); results cannot be trusted. Initialise a new ` +
        'device (initNodeWebGpu / useBackend) and run again',
    );
  }
}

/**
 * Runs a read-back (`() => t.data()`): when it fails, or succeeds but the device was lost meanwhile,
 * throws a WebGpuDeviceLostError instead; other failures pass through. `what` names the value read.
 */
export async function readBack<T>(what: string, read: () => Promise<T>): Promise<T> {
  assertDeviceAlive(what);
  const device = activeDevice();
  if (device) watchDeviceLoss(device);
  let value: T;
  try {
    value = await read();
  } catch (error) {
    // The lost promise may settle just after the read rejects: give it a moment.
    if (device) await Promise.race([device.lost, new Promise((r) => setTimeout(r, 100))]);
    if (device && losses.has(device)) {
      try {
        assertDeviceAlive(what);
      } catch (lost) {
        (lost as Error).cause = error;
        throw lost;
      }
    }
    throw error;
  }
  assertDeviceAlive(what);
  return value;
}
