/**
 * Kernels registered in place of TF.js 4.22's WebGPU backend's own, where its versions leave a GPU
 * idle or run far below its forward conv (found by timing a BEFUnet training step): the filter
 * gradients of dense and depthwise convs (one thread per weight there; row slices, or a matrix
 * product for 1x1 convs, here), the input gradients of stride-1 dense and depthwise convs (forward
 * convs here), sums over leading axes (no transposed copy), sums and maxima over short trailing
 * axes (a thread per row), and weight-gradient matmuls with a long shared axis (split into
 * slices). `install({ backend: 'webgpu' })` registers them; `restoreWebGpuKernels` puts the
 * backend's own back (the benchmark compares both).
 */
import * as tf from '@tensorflow/tfjs-core';
import { KernelOverrides } from '../kernel-overrides.js';
import { webgpuConv2dBackpropFilter } from './webgpu-conv2d-backprop-filter.js';
import { webgpuConv2dBackpropInputOver } from './webgpu-conv2d-backprop-input.js';
import { webgpuDepthwiseBackpropFilter } from './webgpu-depthwise-backprop-filter.js';
import { webgpuDepthwiseBackpropInputOver } from './webgpu-depthwise-backprop-input.js';
import { webgpuLeadingSumOver } from './webgpu-leading-sum.js';
import { webgpuShortRowReduceOver } from './webgpu-short-row-reduce.js';
import { webgpuSplitKMatMulOver } from './webgpu-split-k-matmul.js';

/** Kernels registered in place of the backend's own, or built over it (`over`, their fallback). */
export const WEBGPU_KERNELS: readonly {
  kernelName: string;
  over: (original: tf.KernelConfig) => tf.KernelConfig;
}[] = [
  { kernelName: tf.Conv2DBackpropFilter, over: () => webgpuConv2dBackpropFilter },
  { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, over: () => webgpuDepthwiseBackpropFilter },
  { kernelName: tf.Conv2DBackpropInput, over: webgpuConv2dBackpropInputOver },
  { kernelName: tf.DepthwiseConv2dNativeBackpropInput, over: webgpuDepthwiseBackpropInputOver },
  { kernelName: tf.Sum, over: (own) => webgpuLeadingSumOver(webgpuShortRowReduceOver('Sum', own)) },
  { kernelName: tf.Max, over: (own) => webgpuShortRowReduceOver('Max', own) },
  { kernelName: tf.BatchMatMul, over: webgpuSplitKMatMulOver },
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
