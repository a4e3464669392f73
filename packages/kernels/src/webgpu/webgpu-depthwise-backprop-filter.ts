/**
 * `DepthwiseConv2dNativeBackpropFilter` for TF.js's WebGPU backend, replacing 4.22's
 * one-thread-per-weight kernel (a 3x3 depthwise filter over 30 channels has 270 weights: 270 threads
 * for the whole batch). See webgpu-filter-gradient.ts for the row slices.
 *
 * dW[ky, kx, c, q] = sum over b, oy, ox of x[b, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, c] *
 * dy[b, oy, ox, c*m + q] (m = channel multiplier). With m = 1 and channels divisible by 4 a thread
 * owns 4 channels (vec4 loads); otherwise one weight.
 */

import * as tf from '@tensorflow/tfjs-core';
import { backendKernel } from '../kernel-overrides.js';
import type { WebGpuBackend } from './program.js';
import { ROW_SLICE_WGSL, runFilterGradient } from './webgpu-filter-gradient.js';

interface Attrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** WGSL of the thread body: `lanes` = 4 (vec4 of channels, multiplier 1) or 1 (one weight). */
function body(lanes: 1 | 4): string {
  const channel =
    lanes === 4
      ? `let xChannel = block;
    let dyChannel = block;`
      : `let xChannel = block / uniforms.multiplier;
    let dyChannel = block;`;
  return `
    let block = index % uniforms.blocks;
    var rest = index / uniforms.blocks;
    let kx = rest % uniforms.filterWidth;
    rest = rest / uniforms.filterWidth;
    let ky = rest % uniforms.filterHeight;
    let slice = rest / uniforms.filterHeight;
    ${channel}
    ${ROW_SLICE_WGSL}
    var acc = ${lanes === 4 ? 'vec4<f32>(0.0)' : '0.0'};
    for (var r = rowStart; r < rowEnd; r++) {
      let b = r / uniforms.outHeight;
      let iy = (r - b * uniforms.outHeight) * uniforms.strideH + ky * uniforms.dilationH - uniforms.padTop;
      if (iy < 0 || iy >= uniforms.inHeight) {
        continue;
      }
      let xRow = (b * uniforms.inHeight + iy) * uniforms.inWidth;
      let dyRow = r * uniforms.outWidth;
      for (var ox = oxStart; ox < oxEnd; ox++) {
        acc += x[(xRow + ox * uniforms.strideW + colOffset) * uniforms.xBlocks + xChannel]
          * dy[(dyRow + ox) * uniforms.blocks + dyChannel];
      }
    }
    let outBase = ((slice * uniforms.filterHeight + ky) * uniforms.filterWidth + kx) * uniforms.blocks * ${lanes}
      + block * ${lanes};
    ${lanes === 4 ? [0, 1, 2, 3].map((j) => `result[outBase + ${j}] = acc[${j}];`).join('\n') : 'result[outBase] = acc;'}`;
}

function depthwiseBackpropFilter(
  { x, dy }: { x: tf.TensorInfo; dy: tf.TensorInfo },
  attrs: Attrs,
  backend: WebGpuBackend,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const multiplier = attrs.filterShape[3];
  const lanes = multiplier === 1 && info.inChannels % 4 === 0 ? 4 : 1;
  // Blocks per tap: dy channels (c*m + q) in groups of `lanes`; x has inChannels / lanes blocks.
  const blocks = info.outChannels / lanes;
  return runFilterGradient(
    backend,
    {
      kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
      key: `depthwise_backprop_filter_${lanes}`,
      info,
      filterShape: [...attrs.filterShape],
      threadsPerSlice: info.filterHeight * info.filterWidth * blocks,
      components: [lanes, lanes],
      uniforms: [
        ['blocks', blocks],
        ['xBlocks', info.inChannels / lanes],
        ['multiplier', multiplier],
      ],
      body: body(lanes),
    },
    x,
    dy,
  );
}

export const webgpuDepthwiseBackpropFilter = backendKernel(
  'webgpu',
  tf.DepthwiseConv2dNativeBackpropFilter,
  depthwiseBackpropFilter,
);
