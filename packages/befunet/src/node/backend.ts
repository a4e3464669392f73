/**
 * Backend selection for Node.js programs (the CLI, benchmarks, training scripts).
 *
 * `webgpu` goes through Dawn (Vulkan on a GPU, Mesa llvmpipe otherwise: see @befunet/common/node);
 * `wasm` is TF.js's WebAssembly backend (XNNPACK, SIMD, one thread: its threaded build does not start
 * in Node.js) with the training kernels it lacks added (@befunet/kernels); `cpu` is
 * TF.js's plain JavaScript backend. `auto` takes WebGPU when a GPU adapter exists (Dawn's Vulkan
 * path), else wasm (20-30x faster than cpu on convolutions), else cpu when
 * `@tensorflow/tfjs-backend-wasm` is not installed. The software GPU is slower than wasm, so it is
 * used only when asked for with `webgpu`.
 *
 * It changes how TF.js runs, for every model of the program: it calls `install({ backend })` of
 * @befunet/kernels for the chosen backend (every part: the kernels wasm lacks for training, faster
 * kernels in place of the backend's own, the faster `Tile` gradient, low-memory backpropagation).
 * `uninstallKernels()` of the result puts TF.js's own back.
 */
import { ConfigError } from '@befunet/common';
import { install } from '@befunet/kernels';
import { initNodeWebGpu, type NodeWebGpu } from '@befunet/kernels/node';
import * as tf from '@tensorflow/tfjs-core';
import { importOptional } from './optional-import.js';

export type BackendName = 'auto' | 'webgpu' | 'wasm' | 'cpu';
const BACKEND_NAMES: readonly BackendName[] = ['auto', 'webgpu', 'wasm', 'cpu'];

export interface ActiveBackend {
  /** The TF.js backend now active. */
  readonly name: 'webgpu' | 'wasm' | 'cpu';
  /** A one-line description: the Dawn path and adapter for WebGPU. */
  readonly description: string;
  /** Releases the GPU device (if any) so that the process can exit. */
  dispose(): void;
  /** Puts back the TF.js kernels and gradients that `useBackend` replaced (@befunet/kernels' `install`). */
  uninstallKernels(): void;
}

export async function useBackend(name: BackendName = 'auto'): Promise<ActiveBackend> {
  const chosen = await chooseBackend(name);
  return { ...chosen, uninstallKernels: install({ backend: chosen.name }) };
}

type ChosenBackend = Omit<ActiveBackend, 'uninstallKernels'>;

/** Sets the TF.js backend `name` asks for (see the file comment). */
async function chooseBackend(name: BackendName): Promise<ChosenBackend> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new ConfigError(`backend must be ${BACKEND_NAMES.join(', ')}, got '${name}'`);
  }
  if (name === 'auto' || name === 'webgpu') {
    let gpu: NodeWebGpu | undefined;
    try {
      gpu = await initNodeWebGpu({ path: name === 'auto' ? 'vulkan' : 'auto' });
    } catch (error) {
      if (name === 'webgpu') throw error;
    }
    if (gpu) {
      const info = Object.values(gpu.adapterInfo).filter(Boolean).join(' ');
      return {
        name: 'webgpu',
        description: `webgpu (Dawn ${gpu.path}${info ? `: ${info}` : ''})`,
        dispose: () => gpu.dispose(),
      };
    }
  }
  if (name === 'auto' || name === 'wasm') {
    const wasm = await useWasm(name === 'wasm');
    if (wasm) return wasm;
  }
  await importOptional(
    '@tensorflow/tfjs-backend-cpu',
    name === 'auto'
      ? '--backend auto without a GPU (or npm i @tensorflow/tfjs-backend-wasm, faster)'
      : '--backend cpu',
    () => import('@tensorflow/tfjs-backend-cpu'),
  );
  if (!(await tf.setBackend('cpu'))) throw new ConfigError('the cpu backend could not be initialised');
  return {
    name: 'cpu',
    description: 'cpu (TF.js JavaScript kernels, with faster conv filter gradients)',
    dispose: () => {},
  };
}

/** The wasm backend with its training kernels; undefined when not installed and not `required`. */
async function useWasm(required: boolean): Promise<ChosenBackend | undefined> {
  try {
    await importOptional(
      '@tensorflow/tfjs-backend-wasm',
      '--backend wasm',
      () => import('@tensorflow/tfjs-backend-wasm'),
    );
  } catch (error) {
    if (!required) return undefined;
    throw error;
  }
  if (!(await tf.setBackend('wasm'))) throw new ConfigError('the wasm backend could not be initialised');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  return {
    name: 'wasm',
    description: `wasm (TF.js WebAssembly kernels, XNNPACK, ${simd}, 1 thread, with JavaScript gradient kernels)`,
    dispose: () => {},
  };
}
