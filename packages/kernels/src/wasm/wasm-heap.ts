/**
 * What JavaScript kernels need from TF.js's wasm backend (`BackendWasm`, typed here so that
 * `@tensorflow/tfjs-backend-wasm` stays an optional peer): every tensor lives on the WebAssembly
 * heap; `typedArrayFromHeap` views it, `makeOutput` allocates a result there (copying `values` when
 * given). An allocation may grow the heap and detach earlier views, so a kernel takes its views after
 * its last allocation.
 */

import type * as tf from '@tensorflow/tfjs-core';
import { requireDType } from '../checks.js';
import { backendKernel, type TypedKernel } from '../kernel-overrides.js';

export interface WasmBackend {
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues,
  ): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: tf.DataId): boolean;
}

/** A float32 view of `t` on the heap (`what` names the kernel input in the error). */
export function float32View(backend: WasmBackend, t: tf.TensorInfo, what: string): Float32Array {
  requireDType(t, 'float32', what);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** A kernel of the wasm backend from a function of its inputs, attributes and backend. */
export function wasmKernel<Inputs, Attrs>(
  kernelName: string,
  compute: TypedKernel<Inputs, Attrs, WasmBackend>,
): tf.KernelConfig {
  return backendKernel('wasm', kernelName, compute);
}

/** Runs a kernel configuration (the wasm backend's own, or one of ours) on tensor infos. */
export function runKernelConfig(
  kernel: tf.KernelConfig,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  backend: WasmBackend,
): tf.TensorInfo {
  return kernel.kernelFunc({
    inputs,
    attrs,
    backend: backend as unknown as tf.KernelBackend,
  }) as tf.TensorInfo;
}
