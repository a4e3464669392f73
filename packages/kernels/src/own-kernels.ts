/**
 * Kernels of ours under new names (`Befunet*`: fused LayerNorm, GELU, window attention, GroupNorm):
 * they add to TF.js's registry and change no kernel TF.js has. They are registered on the first call
 * of the op that runs them, not when a module is imported, so that importing @befunet/kernels leaves
 * TF.js exactly as it was.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Returns `ensure()`, which registers each of `configs` that is not registered yet (cheap once done). */
export function ownKernels(configs: readonly tf.KernelConfig[]): () => void {
  let registered = false;
  return () => {
    if (registered) return;
    for (const config of configs) {
      if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
    }
    registered = true;
  };
}
