/**
 * Backend selection for Node.js programs (the CLI, benchmarks, training scripts).
 *
 * `webgpu` goes through Dawn (Vulkan on a GPU, Mesa llvmpipe otherwise: see @befunet/common/node);
 * `cpu` is TF.js's plain JavaScript backend. `auto` takes WebGPU when a GPU adapter exists (Dawn's
 * Vulkan path), else cpu: the software GPU is no faster than the cpu backend for small models, so it
 * is used only when asked for with `webgpu`.
 */
import { ConfigError } from '@befunet/common';
import { initNodeWebGpu, type NodeWebGpu } from '@befunet/common/node';
import * as tf from '@tensorflow/tfjs-core';
import { registerFastCpuKernels } from '../kernels/cpu-kernels.js';

export type BackendName = 'auto' | 'webgpu' | 'cpu';

export interface ActiveBackend {
  /** The TF.js backend now active. */
  readonly name: 'webgpu' | 'cpu';
  /** A one-line description: the Dawn path and adapter for WebGPU. */
  readonly description: string;
  /** Releases the GPU device (if any) so that the process can exit. */
  dispose(): void;
}

export async function useBackend(name: BackendName = 'auto'): Promise<ActiveBackend> {
  if (!['auto', 'webgpu', 'cpu'].includes(name)) {
    throw new ConfigError(`backend must be auto, webgpu or cpu, got '${name}'`);
  }
  if (name !== 'cpu') {
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
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new ConfigError('the cpu backend could not be initialised');
  registerFastCpuKernels();
  return {
    name: 'cpu',
    description: 'cpu (TF.js JavaScript kernels, with faster conv filter gradients)',
    dispose: () => {},
  };
}
