/**
 * Kernels registered in place of TF.js 4.22's WebGPU backend's own, where its versions leave a GPU
 * idle or run far below its forward conv (found by timing a BEFUnet training step): the filter
 * gradients of dense and depthwise convs (one thread per weight there; row slices here) and the input
 * gradient of stride-1 convs (a forward conv here). `useBackend('webgpu' | 'auto')` registers them;
 * `restoreWebGpuKernels` puts the backend's own back (the benchmark compares both).
 */
import * as tf from '@tensorflow/tfjs-core';
import { KernelOverrides } from './kernel-overrides.js';
import { webgpuConv2dBackpropFilter } from './webgpu-conv2d-backprop-filter.js';
import { webgpuConv2dBackpropInputOver } from './webgpu-conv2d-backprop-input.js';
import { webgpuDepthwiseBackpropFilter } from './webgpu-depthwise-backprop-filter.js';

/** Kernels registered in place of the backend's own, or built over it (`over`, their fallback). */
export const WEBGPU_KERNELS: readonly {
  kernelName: string;
  over: (original: tf.KernelConfig) => tf.KernelConfig;
}[] = [
  { kernelName: tf.Conv2DBackpropFilter, over: () => webgpuConv2dBackpropFilter },
  { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, over: () => webgpuDepthwiseBackpropFilter },
  { kernelName: tf.Conv2DBackpropInput, over: webgpuConv2dBackpropInputOver },
];

const overrides = new KernelOverrides('webgpu');

/**
 * Registers the kernels above for `webgpu` (idempotent; the backend package must be imported first).
 * Returns the names registered by this call.
 */
export function registerWebGpuKernels(): string[] {
  return WEBGPU_KERNELS.filter(({ kernelName, over }) => overrides.replace(kernelName, over)).map(
    (k) => k.kernelName,
  );
}

/** Puts the backend's own version of one kernel back (for comparisons). */
export function restoreWebGpuKernel(kernelName: string): void {
  overrides.restore(kernelName);
}

/** Puts the backend's own versions back (for comparisons). */
export function restoreWebGpuKernels(): void {
  overrides.restoreAll();
}
