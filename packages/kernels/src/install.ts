/**
 * `install(...)`: the one switch that changes how TF.js runs, for any TF.js model. Importing
 * @befunet/kernels changes nothing; `install` replaces or adds kernels for one backend, each part
 * opt-out, and returns the uninstall, which puts back exactly what this call changed.
 */
import { ConfigError } from '@befunet/io';
import * as tf from '@tensorflow/tfjs-core';
import { registerFastCpuKernels, restoreCpuKernel } from './cpu/cpu-kernels.js';
import { installLowMemoryGradients } from './gradients/low-memory-gradients.js';
import { installTileGradient } from './gradients/tile-gradient.js';
import {
  addMissingWasmKernels,
  registerWasmTrainingKernels,
  restoreWasmKernel,
} from './wasm/wasm-kernels.js';
import { registerWebGpuKernels, restoreWebGpuKernel } from './webgpu/webgpu-kernels.js';

export type KernelBackend = 'webgpu' | 'wasm' | 'cpu';
const BACKENDS: readonly KernelBackend[] = ['webgpu', 'wasm', 'cpu'];

export interface InstallOptions {
  /** The backend whose kernels change. Default: the active one (`tf.getBackend()`). */
  backend?: KernelBackend;
  /**
   * Kernels the backend lacks for training, added (nothing TF.js has changes). wasm: the filter
   * gradients of dense and depthwise convs, the depthwise input gradient and `UnsortedSegmentSum`.
   * Default true.
   */
  missingKernels?: boolean;
  /**
   * Faster kernels in place of the backend's own. webgpu: conv and depthwise gradients, split-K
   * weight-gradient products, leading-axis and short-row sums; wasm: `Tile` and `BatchMatMul`; cpu:
   * the conv and depthwise filter gradients. Default true.
   */
  fasterKernels?: boolean;
  /** The `Tile` gradient as one sum instead of a slice and an add per tile (every backend). Default true. */
  tileGradient?: boolean;
  /** First-order backpropagation that frees each intermediate gradient once used (engine-wide). Default true. */
  lowMemoryGradients?: boolean;
}

/** Installs the chosen parts for one backend; the returned function undoes this call. */
export function install(options: InstallOptions = {}): () => void {
  const backend = checkedBackend(options.backend ?? tf.getBackend());
  const undo: (() => void)[] = [];
  if (backend === 'wasm' && options.missingKernels !== false) {
    const added = addMissingWasmKernels();
    undo.push(() => {
      for (const name of added) tf.unregisterKernel(name, 'wasm');
    });
  }
  if (options.fasterKernels !== false) undo.push(installFasterKernels(backend));
  if (options.tileGradient !== false) undo.push(installTileGradient());
  if (options.lowMemoryGradients !== false) undo.push(installLowMemoryGradients());
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    for (const step of undo.reverse()) step();
  };
}

/** The faster kernels of `backend`, and the function that puts the backend's own back. */
function installFasterKernels(backend: KernelBackend): () => void {
  const [replaced, restore] =
    backend === 'webgpu'
      ? [registerWebGpuKernels(), restoreWebGpuKernel]
      : backend === 'wasm'
        ? [registerWasmTrainingKernels({ missing: false }), restoreWasmKernel]
        : [registerFastCpuKernels(), restoreCpuKernel];
  return () => {
    for (const name of replaced) restore(name);
  };
}

function checkedBackend(name: string): KernelBackend {
  if (!BACKENDS.includes(name as KernelBackend)) {
    throw new ConfigError(
      `install: no kernels for the '${name}' backend; pass backend: ${BACKENDS.map((b) => `'${b}'`).join(', ')}`,
    );
  }
  return name as KernelBackend;
}
