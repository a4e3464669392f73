/**
 * `Conv2DBackpropFilter` for TF.js's WebGPU backend (NHWC), replacing 4.22's one-thread-per-weight
 * kernel (see webgpu-filter-gradient.ts for the row slices).
 *
 * dW[ky, kx, ci, co] = sum over b, oy, ox of x[b, oy*sh + ky - pt, ox*sw + kx - pl, ci] * dy[b, oy, ox, co].
 * Each thread owns a block of CI x CO weights of one tap (CI, CO = 4 when the channel count allows
 * vec4 loads, else 1) and accumulates their outer products over its rows: one x load and one dy load
 * feed CI * CO multiply-adds. Pointwise convs (1x1, stride 1, no padding) go to a matrix product.
 */

import { ConfigError } from '@befunet/io';
import * as tf from '@tensorflow/tfjs-core';
import { filterGradientConvInfo } from '../cpu/cpu-conv2d-backprop-filter.js';
import { backendKernel } from '../kernel-overrides.js';
import { runRegisteredKernel, type WebGpuBackend } from './program.js';
import { ROW_SLICE_WGSL, runFilterGradient } from './webgpu-filter-gradient.js';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** WGSL of the thread body for CI x CO blocks (the accumulator is CI scalars or vec4s). */
function body(ci: 1 | 4, co: 1 | 4): string {
  const accType = co === 4 ? 'vec4<f32>' : 'f32';
  const accumulate = Array.from({ length: ci }, (_, i) =>
    ci === 4 ? `acc[${i}] += xv[${i}] * dv;` : `acc[${i}] += xv * dv;`,
  ).join('\n');
  const store = Array.from({ length: ci }, (_, i) =>
    Array.from({ length: co }, (_, j) =>
      co === 4
        ? `result[outBase + ${i} * uniforms.outChannels + ${j}] = acc[${i}][${j}];`
        : `result[outBase + ${i} * uniforms.outChannels] = acc[${i}];`,
    ).join('\n'),
  ).join('\n');
  return `
    let coBlock = index % uniforms.coBlocks;
    var rest = index / uniforms.coBlocks;
    let ciBlock = rest % uniforms.ciBlocks;
    rest = rest / uniforms.ciBlocks;
    let kx = rest % uniforms.filterWidth;
    rest = rest / uniforms.filterWidth;
    let ky = rest % uniforms.filterHeight;
    let slice = rest / uniforms.filterHeight;
    ${ROW_SLICE_WGSL}
    var acc : array<${accType}, ${ci}>;
    for (var r = rowStart; r < rowEnd; r++) {
      let b = r / uniforms.outHeight;
      let iy = (r - b * uniforms.outHeight) * uniforms.strideH + ky * uniforms.dilationH - uniforms.padTop;
      if (iy < 0 || iy >= uniforms.inHeight) {
        continue;
      }
      let xRow = (b * uniforms.inHeight + iy) * uniforms.inWidth;
      let dyRow = r * uniforms.outWidth;
      for (var ox = oxStart; ox < oxEnd; ox++) {
        let xv = x[(xRow + ox * uniforms.strideW + colOffset) * uniforms.ciBlocks + ciBlock];
        let dv = dy[(dyRow + ox) * uniforms.coBlocks + coBlock];
        ${accumulate}
      }
    }
    let outBase = (((slice * uniforms.filterHeight + ky) * uniforms.filterWidth + kx) * uniforms.inChannels
      + ciBlock * ${ci}) * uniforms.outChannels + coBlock * ${co};
    ${store}`;
}

/** A 1x1 conv with stride 1 and no padding: every input pixel meets the filter once. */
function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    top + bottom + left + right === 0
  );
}

/**
 * A pointwise conv's filter gradient is a matrix product, dW[0, 0, ci, co] = sum over pixels p of
 * x[p, ci] * dy[p, co] = (x^T dy)[ci, co] with x [pixels, Ci] and dy [pixels, Co]: the registered
 * BatchMatMul (our split one of webgpu-split-k-matmul.ts, when registered), whose tiles reuse every
 * load where the row slices reload x and dy for each 4 x 4 block of weights.
 */
function pointwiseFilterGradient(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: number[],
  backend: WebGpuBackend,
): tf.TensorInfo {
  const reshape = (t: tf.TensorInfo, shape: number[]) =>
    runRegisteredKernel('Reshape', { x: t }, { shape }, backend);
  const pixels = tf.util.sizeFromShape(x.shape.slice(0, 3));
  const a = reshape(x, [1, pixels, x.shape[3]!]);
  const b = reshape(dy, [1, pixels, dy.shape[3]!]);
  const product = runRegisteredKernel(
    'BatchMatMul',
    { a, b },
    { transposeA: true, transposeB: false },
    backend,
  );
  const out = reshape(product, filterShape);
  for (const t of [a, b, product]) backend.disposeData(t.dataId);
  return out;
}

function conv2dBackpropFilter(
  { x, dy }: { x: tf.TensorInfo; dy: tf.TensorInfo },
  attrs: Attrs,
  backend: WebGpuBackend,
): tf.TensorInfo {
  if (attrs.dataFormat === 'NCHW') {
    throw new ConfigError(`${tf.Conv2DBackpropFilter} on webgpu: dataFormat NCHW is not supported, use NHWC`);
  }
  const info = filterGradientConvInfo(x.shape, attrs);
  if (isPointwise(info)) return pointwiseFilterGradient(x, dy, attrs.filterShape, backend);
  const ci = info.inChannels % 4 === 0 ? 4 : 1;
  const co = info.outChannels % 4 === 0 ? 4 : 1;
  return runFilterGradient(
    backend,
    {
      kernelName: tf.Conv2DBackpropFilter,
      key: `conv2d_backprop_filter_${ci}x${co}`,
      info,
      filterShape: [...attrs.filterShape],
      threadsPerSlice:
        (info.filterHeight * info.filterWidth * info.inChannels * info.outChannels) / (ci * co),
      components: [ci, co],
      uniforms: [
        ['inChannels', info.inChannels],
        ['outChannels', info.outChannels],
        ['ciBlocks', info.inChannels / ci],
        ['coBlocks', info.outChannels / co],
      ],
      body: body(ci, co),
    },
    x,
    dy,
  );
}

export const webgpuConv2dBackpropFilter = backendKernel(
  'webgpu',
  tf.Conv2DBackpropFilter,
  conv2dBackpropFilter,
);
