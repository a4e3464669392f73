/**
 * Kernels of ours registered in place of a TF.js backend's own, for every backend we improve (cpu,
 * wasm, webgpu): each replacement is built over the original (its fallback, when it has one), and
 * the originals are kept so that they can be put back (tests and benchmarks compare both).
 */
import * as tf from '@tensorflow/tfjs-core';

/** A kernel function typed by its inputs, attributes and backend. */
export type TypedKernel<Inputs, Attrs, Backend> = (
  inputs: Inputs,
  attrs: Attrs,
  backend: Backend,
) => tf.TensorInfo;

/** A kernel configuration for `backendName` from a typed kernel function. */
export function backendKernel<Inputs, Attrs, Backend>(
  backendName: string,
  kernelName: string,
  compute: TypedKernel<Inputs, Attrs, Backend>,
): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) =>
      compute(inputs as unknown as Inputs, attrs as unknown as Attrs, backend as unknown as Backend),
  };
}

export class KernelOverrides {
  private readonly originals = new Map<string, tf.KernelConfig>();

  constructor(readonly backendName: string) {}

  /**
   * Registers `over(original)` in place of the backend's `kernelName` kernel. Does nothing (and
   * returns false) when that kernel is already replaced or the backend has none.
   */
  replace(kernelName: string, over: (original: tf.KernelConfig) => tf.KernelConfig): boolean {
    if (this.originals.has(kernelName)) return false;
    const original = tf.getKernel(kernelName, this.backendName);
    if (!original) return false;
    this.originals.set(kernelName, original);
    tf.unregisterKernel(kernelName, this.backendName);
    tf.registerKernel(over(original));
    return true;
  }

  /** Puts the backend's own `kernelName` kernel back (no-op when it was not replaced). */
  restore(kernelName: string): void {
    const original = this.originals.get(kernelName);
    if (!original) return;
    tf.unregisterKernel(kernelName, this.backendName);
    tf.registerKernel(original);
    this.originals.delete(kernelName);
  }

  /** Puts every replaced kernel back. */
  restoreAll(): void {
    for (const kernelName of [...this.originals.keys()]) this.restore(kernelName);
  }
}
