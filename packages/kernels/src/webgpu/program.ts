/**
 * What BEFUnet's WebGPU kernels need from TF.js's WebGPU backend (tfjs-backend-webgpu 4.22, typed here so
 * that the package does not import the backend): `runWebGPUProgram` compiles (once per shader key)
 * and dispatches a program, whose WGSL body sees each input as a storage array named after it, the
 * output as `result`, and the program's own uniforms as `uniforms.NAME`.
 *
 * Our programs use a flat dispatch: `main(index)` runs once per thread, `index` in [0, threads) plus
 * the spare threads of the last workgroup (and of the 2-D split the backend makes when a dispatch
 * exceeds the per-dimension limit), which every body must skip.
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireDType } from '../checks.js';

export interface WebGpuUniform {
  type: 'int32' | 'uint32' | 'float32';
  data: number[];
}

export interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** WGSL struct members added to the backend's uniforms, e.g. `rows : i32, cols : i32,`. */
  uniforms: string;
  /** Vector width of each input's storage array (1: f32, 4: vec4<f32>). */
  variableComponents: number[];
  /** Vector width of the output's storage array `result`. */
  outputComponent: number;
  getUserCode(): string;
}

export interface WebGpuBackend extends tf.KernelBackend {
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: WebGpuUniform[],
  ): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

const WORKGROUP_SIZE = 64;

export interface FlatProgramSpec {
  /** The TF.js kernel this program implements (named in errors). */
  kernelName: string;
  /** Identifies the WGSL source: equal keys must mean equal `body` (shapes go in uniforms). */
  key: string;
  inputs: { name: string; components: 1 | 4 }[];
  outputShape: number[];
  /** Vector width of `result` (1: f32, 4: vec4<f32>; then the last axis must divide by 4). Default 1. */
  outputComponents?: 1 | 4;
  threads: number;
  /** Uniforms, in order: WGSL name, value and type (default i32). */
  uniforms: [string, number, ('i32' | 'f32')?][];
  /** WGSL statements of `main(index : i32)`; `uniforms.threads` bounds the index. */
  body: string;
  /** WGSL functions the body calls, placed before `main` (they may read `uniforms`). */
  functions?: string;
  /**
   * The threads of a workgroup of this size work together through workgroup memory and barriers.
   * A barrier needs every thread of its workgroup, so `main` then has no early return: the body must
   * itself skip the work and writes of the spare threads (index >= uniforms.threads).
   */
  cooperative?: { workgroupSize: number };
}

/** Runs a float32 program with one thread per `index` in [0, threads). */
export function runFlatProgram(
  backend: WebGpuBackend,
  spec: FlatProgramSpec,
  inputs: tf.TensorInfo[],
): tf.TensorInfo {
  spec.inputs.forEach(({ name }, i) => {
    requireDType(inputs[i]!, 'float32', `${spec.kernelName} ${name}`);
  });
  const uniforms: [string, number, ('i32' | 'f32')?][] = [['threads', spec.threads], ...spec.uniforms];
  const workgroupSize = spec.cooperative?.workgroupSize ?? WORKGROUP_SIZE;
  const program: WebGpuProgram = {
    variableNames: spec.inputs.map((i) => i.name),
    variableComponents: spec.inputs.map((i) => i.components),
    outputComponent: spec.outputComponents ?? 1,
    outputShape: spec.outputShape,
    shaderKey: `befunet_${spec.key}`,
    dispatchLayout: { x: spec.outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(spec.threads / workgroupSize), 1, 1],
    workgroupSize: [workgroupSize, 1, 1],
    uniforms: uniforms.map(([name, , type]) => `${name} : ${type ?? 'i32'},`).join(' '),
    getUserCode: () => `${spec.functions ?? ''}
      fn main(index : i32) {
        ${spec.cooperative ? '' : 'if (index >= uniforms.threads) { return; }'}
        ${spec.body}
      }`,
  };
  return backend.runWebGPUProgram(
    program,
    inputs,
    'float32',
    uniforms.map(([, value, type]) => ({ type: type === 'f32' ? 'float32' : 'int32', data: [value] })),
  );
}

/** Runs the kernel registered for `kernelName` on `backend` (the backend's own, or one of ours). */
export function runRegisteredKernel(
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  backend: WebGpuBackend,
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'webgpu');
  if (!kernel) throw new Error(`no ${kernelName} kernel is registered for webgpu`);
  return kernel.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
}
