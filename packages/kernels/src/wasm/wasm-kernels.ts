/**
 * Kernels for TF.js 4.22's wasm backend. Missing ones, which BEFUnet training needs (found by running
 * a training step of the tiny, paper and official presets on wasm): the filter gradients of dense and
 * depthwise convs, the input gradient of depthwise convs, and `UnsortedSegmentSum` (the gradient of
 * `gather`). Faster ones, replacing the backend's own: `Tile`, and `BatchMatMul` (which wraps the
 * backend's own). `install({ backend: 'wasm' })` registers them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KernelOverrides } from '../kernel-overrides.js';
import { wasmBatchMatMulOver } from './wasm-batch-matmul.js';
import { wasmConv2dBackpropFilter } from './wasm-conv2d-backprop-filter.js';
import { wasmDepthwiseBackpropFilter } from './wasm-depthwise-backprop-filter.js';
import { wasmDepthwiseBackpropInput } from './wasm-depthwise-backprop-input.js';
import { wasmTile } from './wasm-tile.js';
import { wasmUnsortedSegmentSum } from './wasm-unsorted-segment-sum.js';

/** Kernels the wasm backend lacks; one it has (e.g. in a later TF.js) is left alone. */
export const WASM_MISSING_KERNELS: readonly tf.KernelConfig[] = [
  wasmConv2dBackpropFilter,
  wasmDepthwiseBackpropFilter,
  wasmDepthwiseBackpropInput,
  wasmUnsortedSegmentSum,
];

/** Kernels registered in place of the wasm backend's own. */
export const WASM_FASTER_KERNELS: readonly tf.KernelConfig[] = [wasmTile];

/** Kernels registered in place of the wasm backend's own, built over it (their fallback). */
export const WASM_WRAPPING_KERNELS: readonly {
  kernelName: string;
  over: (original: tf.KernelConfig) => tf.KernelConfig;
}[] = [{ kernelName: tf.BatchMatMul, over: wasmBatchMatMulOver }];

const overrides = new KernelOverrides('wasm');

/**
 * Registers only the kernels the wasm backend lacks (idempotent): an addition that changes no kernel
 * TF.js has, so `train()` calls it on wasm. Returns the names registered by this call.
 */
export function addMissingWasmKernels(): string[] {
  const registered: string[] = [];
  for (const kernel of WASM_MISSING_KERNELS) {
    if (tf.getKernel(kernel.kernelName, 'wasm')) continue;
    tf.registerKernel(kernel);
    registered.push(kernel.kernelName);
  }
  return registered;
}

/**
 * Registers the wasm kernels above (idempotent): the missing ones unless `missing` is false, and the
 * faster ones in place of the backend's own. Returns the names registered by this call.
 */
export function registerWasmTrainingKernels({ missing = true }: { missing?: boolean } = {}): string[] {
  const registered = missing ? addMissingWasmKernels() : [];
  for (const kernel of WASM_FASTER_KERNELS) {
    if (overrides.replace(kernel.kernelName, () => kernel)) registered.push(kernel.kernelName);
  }
  for (const { kernelName, over } of WASM_WRAPPING_KERNELS) {
    if (overrides.replace(kernelName, over)) registered.push(kernelName);
  }
  return registered;
}

/** Puts the wasm backend's own versions of the replaced kernels back (for comparisons). */
export function restoreWasmKernels(): void {
  overrides.restoreAll();
}

/** Puts the wasm backend's own version of one replaced kernel back (no-op when it was not replaced). */
export function restoreWasmKernel(kernelName: string): void {
  overrides.restore(kernelName);
}
