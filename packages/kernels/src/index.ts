/**
 * @befunet/kernels: what changes how TF.js runs, for any TF.js model. Importing it changes nothing:
 * `install({ backend })` replaces or adds kernels and returns the uninstall. Also here: the fused ops
 * whose WebGPU kernels are ours (LayerNorm, GELU, window attention, GroupNorm; registered on their
 * first call), WebGPU capture and replay, and the WebGPU program helpers. Dawn in Node.js is on the
 * `@befunet/kernels/node` subpath.
 */

// WebGPU capture and replay.
export { CapturedCall, type CaptureOptions, type TensorFunction } from './capture/captured-call.js';
export { submitPending, WebGpuCaptureError } from './capture/dispatch-recorder.js';
export { redrawOnReplay } from './capture/replay-redraws.js';
export { ReplayedCall, type ReplayedCallOptions } from './capture/replayed-call.js';
// Checks and errors the kernels throw (@befunet/common re-exports them).
export { assertDType, formatShape, requireDType } from './checks.js';
// Parts of `install`, one by one.
export { type Conv2dGeometry, conv2dBackpropFilterNhwc } from './cpu/cpu-conv2d-backprop-filter.js';
export { type DepthwiseGeometry, depthwiseBackpropFilterNhwc } from './cpu/cpu-depthwise-backprop-filter.js';
export { registerFastCpuKernels, restoreCpuKernel, restoreCpuKernels } from './cpu/cpu-kernels.js';
export { DTypeError, ShapeError, WebGpuDeviceLostError, WebGpuUnavailableError } from './errors.js';
// Fused ops with kernels of ours.
export { GELU_GRAD_KERNEL, GELU_KERNEL, gelu } from './fused/gelu.js';
export {
  GROUP_NORM_APPLY_KERNEL,
  GROUP_NORM_GRAD_INPUT_KERNEL,
  GROUP_NORM_GRAD_MOMENTS_KERNEL,
  GROUP_NORM_GRAD_PARAMS_KERNEL,
  GROUP_NORM_MOMENTS_KERNEL,
  groupNormWebGpu,
} from './fused/group-norm.js';
export {
  LAYER_NORM_EPSILON,
  LAYER_NORM_GRAD_KERNEL,
  LAYER_NORM_KERNEL,
  layerNorm,
  MAX_THREADS_PER_ROW,
  threadsPerRow,
} from './fused/layer-norm.js';
export {
  type AttentionAttrs,
  canFuseWindowAttention,
  fusedAttentionRuns,
  fusedGridWindowAttention,
  fusedWindowAttention,
  WINDOW_ATTENTION_KERNEL,
} from './fused/window-attention/fused-window-attention.js';
export {
  ATTENTION_BIAS_GRAD_KERNEL,
  ATTENTION_QKV_GRAD_KERNEL,
  ATTENTION_SCORES_KERNEL,
} from './fused/window-attention/window-attention-gradient.js';
export { installLowMemoryGradients } from './gradients/low-memory-gradients.js';
export { installTileGradient, tileGradient } from './gradients/tile-gradient.js';
export { type InstallOptions, install, type KernelBackend } from './install.js';
export { backendKernel, KernelOverrides, type TypedKernel } from './kernel-overrides.js';
export { ownKernels } from './own-kernels.js';
export { wasmBatchMatMulOver } from './wasm/wasm-batch-matmul.js';
export {
  addMissingWasmKernels,
  registerWasmTrainingKernels,
  restoreWasmKernel,
  restoreWasmKernels,
  WASM_FASTER_KERNELS,
  WASM_MISSING_KERNELS,
  WASM_WRAPPING_KERNELS,
} from './wasm/wasm-kernels.js';
// WebGPU programs and the device.
export { assertDeviceAlive, deviceLoss, readBack, watchDeviceLoss } from './webgpu/device.js';
export { elementwiseKernel, registerElementwiseKernel } from './webgpu/elementwise.js';
export {
  type FlatProgramSpec,
  runFlatProgram,
  runRegisteredKernel,
  type WebGpuBackend,
  type WebGpuProgram,
  type WebGpuUniform,
} from './webgpu/program.js';
export { TARGET_THREADS_FLAG as WEBGPU_FILTER_GRADIENT_THREADS_FLAG } from './webgpu/webgpu-filter-gradient.js';
export {
  registerWebGpuKernels,
  restoreWebGpuKernel,
  restoreWebGpuKernels,
  WEBGPU_KERNELS,
} from './webgpu/webgpu-kernels.js';
