/**
 * Picks the TF.js backend: WebGPU when the browser has it, else the cpu backend, with the reason
 * shown on the page. `?backend=cpu` in the page's URL forces the fallback.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';

export interface BackendChoice {
  /** `tf.getBackend()` after the choice. */
  name: string;
  /** Why WebGPU is not used; undefined when it is. */
  fallbackReason?: string;
}

async function tryWebGpu(): Promise<string | undefined> {
  if (!('gpu' in navigator)) return 'this browser does not expose WebGPU (navigator.gpu is missing)';
  try {
    // Every op on the GPU, small ones included (TF.js would otherwise run tiny tensors on the CPU).
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    if (await tf.setBackend('webgpu')) return undefined;
    return 'no WebGPU adapter could be obtained';
  } catch (error) {
    return `WebGPU failed to start: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export async function chooseBackend(requested: string | null): Promise<BackendChoice> {
  if (requested !== null && requested !== 'webgpu' && requested !== 'cpu') {
    throw new Error(`URL parameter backend must be 'webgpu' or 'cpu', got '${requested}'`);
  }
  const reason = requested === 'cpu' ? 'the cpu backend was requested (?backend=cpu)' : await tryWebGpu();
  if (reason === undefined) return { name: tf.getBackend() };
  if (!(await tf.setBackend('cpu'))) throw new Error(`${reason}, and the cpu backend failed to start too`);
  return { name: tf.getBackend(), fallbackReason: reason };
}
