/**
 * The part shared by our WebGPU filter-gradient kernels (dense and depthwise convs).
 *
 * A filter gradient is a sum over every output position (b, oy, ox): dW[tap, c...] = sum of
 * x[b, oy*s + tap*d - p, c] * dy[b, oy, ox, c']. TF.js 4.22's WebGPU kernels give each filter element
 * one thread that walks all positions: a 1x1 conv with 30 channels at 10x224x224 runs 900 threads of
 * 500,000 steps each, which leaves a GPU almost idle for a long time. Ours split the positions into
 * `slices` of whole output rows (r = b * outHeight + oy), one thread per (slice, filter element or
 * group of 4), write the partial sums as [slices, ...filterShape] and add them up with the backend's
 * own Sum.
 */

import { runRegisteredKernel, type WebGpuBackend } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Threads a filter gradient aims for: by default 2^18, enough to fill a large GPU (an H100 holds 132
 * SMs x 2048 threads). Fewer threads mean more rows per thread and fewer partial sums.
 */
export const TARGET_THREADS_FLAG = 'BEFUNET_WEBGPU_FILTER_GRADIENT_THREADS';
tf.env().registerFlag(TARGET_THREADS_FLAG, () => 1 << 18);

/** How many row slices give about the target number of threads (at least 1, at most one row each). */
export function sliceCount(threadsPerSlice: number, rows: number): number {
  const target = tf.env().getNumber(TARGET_THREADS_FLAG);
  return Math.max(1, Math.min(rows, Math.ceil(target / threadsPerSlice)));
}

/** Sums [slices, ...filterShape] partials over the slices (a reshape when there is one slice). */
export function sumSlices(
  partials: tf.TensorInfo,
  filterShape: number[],
  backend: WebGpuBackend,
): tf.TensorInfo {
  if (partials.shape[0] === 1) {
    const out = runRegisteredKernel('Reshape', { x: partials }, { shape: filterShape }, backend);
    backend.disposeData(partials.dataId);
    return out;
  }
  const out = runRegisteredKernel('Sum', { x: partials }, { axis: [0], keepDims: false }, backend);
  backend.disposeData(partials.dataId);
  return out;
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
export function rowSliceUniforms(info: tf.backend_util.Conv2DInfo, slices: number): [string, number][] {
  const rows = info.batchSize * info.outHeight;
  return [
    ['rows', rows],
    ['rowsPerSlice', Math.ceil(rows / slices)],
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
