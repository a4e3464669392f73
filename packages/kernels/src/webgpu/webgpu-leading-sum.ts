/**
 * `Sum` over leading axes for TF.js's WebGPU backend: x viewed as [rows, columns], the sum of its
 * rows. A training step is full of these: the bias gradient of every dense layer (dy [1, b*h*w, c]
 * summed over axes 0 and 1), the LayerNorm scale and shift gradients, and our filter gradients' row
 * slices ([slices, ...filter] summed over axis 0). TF.js 4.22 reduces only along the last axis, so it
 * transposes x first (a full copy) and then gives each column one workgroup.
 *
 * Ours reads x in place: a pass gives each thread one column (or 4, as a vec4) of a slice of at most
 * ROWS_PER_THREAD rows and writes [slices, columns]; passes repeat until one row is left (31,360 rows
 * take 3 passes: 490 slices, 8, 1). Neighbouring threads read neighbouring columns, so every pass
 * reads memory in order. Other reductions (the last axis, every axis, int32) go to the backend's own.
 */

import * as tf from '@tensorflow/tfjs-core';
import { runFlatProgram, runRegisteredKernel, type WebGpuBackend } from './program.js';

/** Rows one thread adds up in a pass (fewer: more threads and more passes). */
export const ROWS_PER_THREAD = 64;

interface Attrs {
  axis: number | number[] | null;
  keepDims: boolean;
}

/** How many leading axes `axis` names, when it names exactly axes 0..k-1 with k < rank; else 0. */
export function leadingAxisCount(axis: Attrs['axis'], rank: number): number {
  if (axis === null) return 0;
  const axes = tf.util.parseAxisParam(
    axis,
    Array.from({ length: rank }, () => 1),
  );
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  const leading = sorted.every((a, i) => a === i);
  return leading && sorted.length < rank ? sorted.length : 0;
}

/** One pass: partial[s, c] = sum of x[r, c] over the rows r of slice s. */
function sumRowSlices(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  rows: number,
  columns: number,
  components: 1 | 4,
): tf.TensorInfo {
  const rowsPerSlice = Math.min(rows, ROWS_PER_THREAD);
  const slices = Math.ceil(rows / rowsPerSlice);
  const vectors = columns / components;
  return runFlatProgram(
    backend,
    {
      kernelName: tf.Sum,
      key: `leading_sum_${components}`,
      inputs: [{ name: 'x', components }],
      outputShape: [slices, columns],
      outputComponents: components,
      threads: slices * vectors,
      uniforms: [
        ['rows', rows],
        ['vectors', vectors],
        ['rowsPerSlice', rowsPerSlice],
      ],
      body: `
        let column = index % uniforms.vectors;
        let rowStart = (index / uniforms.vectors) * uniforms.rowsPerSlice;
        let rowEnd = min(rowStart + uniforms.rowsPerSlice, uniforms.rows);
        var sum = ${components === 4 ? 'vec4<f32>(0.0)' : '0.0'};
        for (var r = rowStart; r < rowEnd; r++) {
          sum += x[r * uniforms.vectors + column];
        }
        result[index] = sum;`,
    },
    [x],
  );
}

/** The sum of the rows of x viewed as [rows, columns], shaped `outShape`. */
export function sumLeadingRows(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  rows: number,
  outShape: number[],
): tf.TensorInfo {
  const columns = tf.util.sizeFromShape(outShape);
  const components = columns % 4 === 0 ? 4 : 1;
  let partial = x;
  let remaining = rows;
  do {
    const next = sumRowSlices(backend, partial, remaining, columns, components);
    if (partial !== x) backend.disposeData(partial.dataId);
    partial = next;
    remaining = next.shape[0]!;
  } while (remaining > 1);
  const out = runRegisteredKernel('Reshape', { x: partial }, { shape: outShape }, backend);
  backend.disposeData(partial.dataId);
  return out;
}

/** `Sum` over the backend's own (`fallback`), which keeps every reduction but leading float32 axes. */
export function webgpuLeadingSumOver(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Sum,
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as Attrs;
      const leading = leadingAxisCount(axis, x.shape.length);
      if (leading === 0 || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) {
        return fallback.kernelFunc(args);
      }
      const kept = x.shape.slice(leading);
      const outShape = keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept;
      const rows = tf.util.sizeFromShape(x.shape.slice(0, leading));
      return sumLeadingRows(args.backend as WebGpuBackend, x, rows, outShape);
    },
  };
}
