/**
 * The part shared by our WebGPU filter-gradient kernels (dense and depthwise convs).
 *
 * A filter gradient is a sum over every output position (b, oy, ox): dW[tap, c...] = sum of
 * x[b, oy*s + tap*d - p, c] * dy[b, oy, ox, c']. TF.js 4.22's WebGPU kernels give each filter element
 * one thread that walks all positions: a 1x1 conv with 30 channels at 10x224x224 runs 900 threads of
 * 500,000 steps each, which leaves a GPU almost idle for a long time. Ours split the positions into
 * `slices` of whole output rows (r = b * outHeight + oy), one thread per (slice, filter element or
 * group of 4), write the partial sums as [slices, ...filterShape] and add them up with the
 * leading-axes sum of webgpu-leading-sum.ts.
 */

import * as tf from '@tensorflow/tfjs-core';
import { runFlatProgram, runRegisteredKernel, type WebGpuBackend } from './program.js';
import { sumLeadingRows } from './webgpu-leading-sum.js';

/**
 * Threads a filter gradient aims for: by default 2^18, enough to fill a large GPU (an H100 holds 132
 * SMs x 2048 threads). Fewer threads mean more rows per thread and fewer partial sums.
 */
export const TARGET_THREADS_FLAG = 'BEFUNET_WEBGPU_FILTER_GRADIENT_THREADS';
tf.env().registerFlag(TARGET_THREADS_FLAG, () => 1 << 18);

/** How many row slices give about the target number of threads (at least 1, at most one row each). */
function sliceCount(threadsPerSlice: number, rows: number): number {
  const target = tf.env().getNumber(TARGET_THREADS_FLAG);
  return Math.max(1, Math.min(rows, Math.ceil(target / threadsPerSlice)));
}

/** Sums [slices, ...filterShape] partials over the slices (a reshape when there is one slice). */
function sumSlices(partials: tf.TensorInfo, filterShape: number[], backend: WebGpuBackend): tf.TensorInfo {
  const out =
    partials.shape[0] === 1
      ? runRegisteredKernel('Reshape', { x: partials }, { shape: filterShape }, backend)
      : sumLeadingRows(backend, partials, partials.shape[0]!, filterShape);
  backend.disposeData(partials.dataId);
  return out;
}

export interface FilterGradientProgram {
  kernelName: string;
  /** Identifies the WGSL body (see FlatProgramSpec.key). */
  key: string;
  info: tf.backend_util.Conv2DInfo;
  filterShape: number[];
  /** Threads per slice: the filter elements, or groups of them, one thread each. */
  threadsPerSlice: number;
  /** Vector widths of the x and dy storage arrays. */
  components: [1 | 4, 1 | 4];
  /** Uniforms of `body` beyond those of ROW_SLICE_WGSL. */
  uniforms: [string, number][];
  /** WGSL of a thread; `index` / threadsPerSlice is its slice. */
  body: string;
}

/**
 * Runs a filter-gradient program over row slices of x [b, h, w, c] and dy [b, oh, ow, c'] and sums
 * the partials into the filter gradient.
 */
export function runFilterGradient(
  backend: WebGpuBackend,
  program: FilterGradientProgram,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
): tf.TensorInfo {
  const { info, threadsPerSlice } = program;
  const rows = info.batchSize * info.outHeight;
  const rowsPerSlice = Math.ceil(rows / sliceCount(threadsPerSlice, rows));
  const slices = Math.ceil(rows / rowsPerSlice);
  const partials = runFlatProgram(
    backend,
    {
      kernelName: program.kernelName,
      key: program.key,
      inputs: [
        { name: 'x', components: program.components[0] },
        { name: 'dy', components: program.components[1] },
      ],
      outputShape: [slices, ...program.filterShape],
      threads: slices * threadsPerSlice,
      uniforms: [...rowSliceUniforms(info, rowsPerSlice), ...program.uniforms],
      body: program.body,
    },
    [x, dy],
  );
  return sumSlices(partials, program.filterShape, backend);
}

/**
 * WGSL that sets `rowStart`/`rowEnd` (this thread's slice of rows r = b * outHeight + oy) and the
 * range [oxStart, oxEnd) of output columns whose input column ox*strideW + kx*dilationW - padLeft
 * lies inside the input (so that the inner loop needs no bounds test). Needs `slice` and `kx`.
 */
export const ROW_SLICE_WGSL = `
  let rowStart = slice * uniforms.rowsPerSlice;
  let rowEnd = min(rowStart + uniforms.rowsPerSlice, uniforms.rows);
  let colOffset = kx * uniforms.dilationW - uniforms.padLeft;
  var oxStart = 0;
  if (colOffset < 0) {
    oxStart = (-colOffset + uniforms.strideW - 1) / uniforms.strideW;
  }
  var oxEnd = 0;
  if (uniforms.inWidth - 1 - colOffset >= 0) {
    oxEnd = min(uniforms.outWidth, (uniforms.inWidth - 1 - colOffset) / uniforms.strideW + 1);
  }`;

/** The uniforms ROW_SLICE_WGSL reads, from TF.js's conv info. */
function rowSliceUniforms(info: tf.backend_util.Conv2DInfo, rowsPerSlice: number): [string, number][] {
  return [
    ['rows', info.batchSize * info.outHeight],
    ['rowsPerSlice', rowsPerSlice],
    ['outHeight', info.outHeight],
    ['outWidth', info.outWidth],
    ['inHeight', info.inHeight],
    ['inWidth', info.inWidth],
    ['strideH', info.strideHeight],
    ['strideW', info.strideWidth],
    ['dilationH', info.dilationHeight],
    ['dilationW', info.dilationWidth],
    ['padTop', info.padInfo.top],
    ['padLeft', info.padInfo.left],
    ['filterHeight', info.filterHeight],
    ['filterWidth', info.filterWidth],
  ];
}
