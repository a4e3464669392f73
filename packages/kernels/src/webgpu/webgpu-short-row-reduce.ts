/**
 * `Sum` and `Max` over short trailing axes for TF.js's WebGPU backend: one thread per output,
 * looping over its row. A softmax cross-entropy over 9 classes reduces 501,760 rows of 9 values at
 * batch 10 and 224 x 224 (a `Max` and two `Sum`s forward, more backward); TF.js 4.22 gives every
 * output a workgroup of 64 threads (a tree in workgroup memory), so 55 of them idle and half a
 * million workgroups run one after another. Longer rows go to the backend's own kernel.
 */

import * as tf from '@tensorflow/tfjs-core';
import { runFlatProgram, runRegisteredKernel, type WebGpuBackend } from './program.js';

/** The longest row one thread reduces (TF.js's workgroups pay off above it). */
export const MAX_ROW_LENGTH = 64;

/** Sum names its axes `axis`, Max `reductionIndices`. */
interface Attrs {
  axis?: number | number[] | null;
  reductionIndices?: number | number[] | null;
  keepDims: boolean;
}

type Axes = number | number[] | null;

/** How many trailing axes `axis` names, when it names exactly axes rank-k..rank-1; else 0. */
export function trailingAxisCount(axis: Axes, rank: number): number {
  const axes =
    axis === null
      ? Array.from({ length: rank }, (_, i) => i)
      : tf.util.parseAxisParam(
          axis,
          Array.from({ length: rank }, () => 1),
        );
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  return sorted.every((a, i) => a === rank - sorted.length + i) ? sorted.length : 0;
}

/** WGSL of one row's reduction into `acc`, starting from its first value. */
const REDUCTIONS = {
  Sum: 'acc = acc + v;',
  // NaN wins, as in TF.js's own Max.
  Max: `if (isnan(v) || (!isnan(acc) && v > acc)) {
            acc = v;
          }`,
} as const;

type Reduction = keyof typeof REDUCTIONS;

function reduceShortRows(
  reduction: Reduction,
  x: tf.TensorInfo,
  rowLength: number,
  outShape: number[],
  backend: WebGpuBackend,
): tf.TensorInfo {
  const rows = tf.util.sizeFromShape(outShape);
  const flat = runFlatProgram(
    backend,
    {
      kernelName: reduction,
      key: `short_row_${reduction}`,
      inputs: [{ name: 'x', components: 1 }],
      outputShape: [rows],
      threads: rows,
      uniforms: [['rowLength', rowLength]],
      body: `
        let base = index * uniforms.rowLength;
        var acc = x[base];
        for (var i = 1; i < uniforms.rowLength; i++) {
          let v = x[base + i];
          ${REDUCTIONS[reduction]}
        }
        result[index] = acc;`,
    },
    [x],
  );
  const out = runRegisteredKernel('Reshape', { x: flat }, { shape: outShape }, backend);
  backend.disposeData(flat.dataId);
  return out;
}

/**
 * `reduction` over the backend's own (`fallback`), which keeps every reduction but float32 ones
 * over trailing axes of at most MAX_ROW_LENGTH values.
 */
export function webgpuShortRowReduceOver(reduction: Reduction, fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: reduction,
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, reductionIndices, keepDims } = args.attrs as unknown as Attrs;
      const rank = x.shape.length;
      const trailing = trailingAxisCount(axis ?? reductionIndices ?? null, rank);
      const rowLength = tf.util.sizeFromShape(x.shape.slice(rank - trailing));
      if (trailing === 0 || x.dtype !== 'float32' || rowLength === 0 || rowLength > MAX_ROW_LENGTH) {
        return fallback.kernelFunc(args);
      }
      const kept = x.shape.slice(0, rank - trailing);
      const outShape = keepDims ? [...kept, ...x.shape.slice(rank - trailing).map(() => 1)] : kept;
      return reduceShortRows(reduction, x, rowLength, outShape, args.backend as WebGpuBackend);
    },
  };
}
