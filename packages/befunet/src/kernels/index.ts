/**
 * `@befunet/core/kernels`: what changes how TF.js runs (kernels registered for the wasm, cpu and WebGPU
 * backends, and low-memory backpropagation). Importing it changes nothing; `useBackend` installs them.
 */

export { installLowMemoryGradients } from '../train/low-memory-gradients.js';
export { type Conv2dGeometry, conv2dBackpropFilterNhwc } from './cpu-conv2d-backprop-filter.js';
export {
  type DepthwiseGeometry,
  depthwiseBackpropFilterNhwc,
} from './cpu-depthwise-backprop-filter.js';
export { registerFastCpuKernels, restoreCpuKernels } from './cpu-kernels.js';
export { registerTileGradient, tileGradient } from './tile-gradient.js';
export { wasmBatchMatMulOver } from './wasm-batch-matmul.js';
export {
  installWasmKernels,
  registerWasmTrainingKernels,
  restoreWasmKernels,
  WASM_FASTER_KERNELS,
  WASM_MISSING_KERNELS,
  WASM_WRAPPING_KERNELS,
} from './wasm-kernels.js';
export { TARGET_THREADS_FLAG as WEBGPU_FILTER_GRADIENT_THREADS_FLAG } from './webgpu-filter-gradient.js';
export {
  registerWebGpuKernels,
  restoreWebGpuKernel,
  restoreWebGpuKernels,
  WEBGPU_KERNELS,
} from './webgpu-kernels.js';
