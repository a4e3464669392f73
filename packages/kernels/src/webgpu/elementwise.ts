/**
 * Elementwise float32 WebGPU kernels: one thread per element (per vec4 of elements where the last axis
 * divides by 4) of same-shape inputs, scalars as uniforms (no scalar tensors uploaded per call).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ownKernels } from '../own-kernels.js';
import { runFlatProgram, type WebGpuBackend } from './program.js';

/**
 * The webgpu kernel `kernelName`: `body` (WGSL statements) reads `NAME[index]` of each input in
 * `inputs`, `uniforms.NAME` of each f32 attribute in `scalars`, `NAME[0]` of each one-element
 * tensor input in `scalarInputs` (a value that changes between calls without a new shader or
 * uniform, e.g. a learning rate in a replayed training step), and writes `result[index]`. The
 * output has the first input's shape.
 */
export function elementwiseKernel(
  kernelName: string,
  inputs: readonly string[],
  body: string,
  scalars: readonly string[] = [],
  scalarInputs: readonly string[] = [],
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs: tensors, attrs, backend }) => {
      const named = tensors as Record<string, tf.TensorInfo>;
      const shape = named[inputs[0]!]!.shape;
      const size = tf.util.sizeFromShape(shape);
      const lanes = size % 4 === 0 && shape.at(-1)! % 4 === 0 ? 4 : 1;
      return runFlatProgram(
        backend as WebGpuBackend,
        {
          kernelName,
          key: `${kernelName}_${lanes}`,
          inputs: [
            ...inputs.map((name) => ({ name, components: lanes as 1 | 4 })),
            ...scalarInputs.map((name) => ({ name, components: 1 as const })),
          ],
          outputShape: [...shape],
          outputComponents: lanes,
          threads: size / lanes,
          uniforms: scalars.map((name) => [name, (attrs as Record<string, number>)[name]!, 'f32']),
          body,
        },
        [...inputs, ...scalarInputs].map((name) => named[name]!),
      );
    },
  };
}

/** Registers `elementwiseKernel(...)` now (idempotent): for kernels a program defines at its start. */
export function registerElementwiseKernel(...args: Parameters<typeof elementwiseKernel>): void {
  ownKernels([elementwiseKernel(...args)])();
}
