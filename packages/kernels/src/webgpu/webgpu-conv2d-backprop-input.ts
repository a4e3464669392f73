/**
 * `Conv2DBackpropInput` for TF.js's WebGPU backend, built over its forward `Conv2D` where the stride
 * is 1 (every BEFUnet conv but the Swin patch embedding, whose input gradient is never needed).
 *
 * With stride 1, dx[b, iy, ix, ci] = sum over ky, kx, co of dy[b, iy + pt - ky, ix + pl - kx, co] *
 * w[ky, kx, ci, co]: a forward conv of dy with the filter turned by 180 degrees and its channel axes
 * swapped, w'[ky, kx, co, ci] = w[kh-1-ky, kw-1-kx, ci, co], padded by (kh-1-pt, kh-1-pb) rows and
 * (kw-1-pl, kw-1-pr) columns. TF.js 4.22's own kernel reaches 0.22 TFLOP/s on a 3x3 conv where its
 * forward conv reaches 4.9 (H200, BASELINES.md); strides above 1 still go to it (`fallback`).
 */

import * as tf from '@tensorflow/tfjs-core';
import { runRegisteredKernel } from './program.js';
import { inputGradientCall } from './webgpu-input-gradient.js';

/**
 * The padding as TF.js names it where it can: `valid` (none) and `same` take the backend's fast
 * paths (a 1x1 conv becomes a matrix product only then); other padding stays explicit.
 */
function paddingOf(
  [top, bottom]: [number, number],
  [left, right]: [number, number],
  kh: number,
  kw: number,
): 'valid' | 'same' | tf.backend_util.ExplicitPadding {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return 'valid';
  // Stride-1 `same`: (k - 1) / 2 before, the rest after.
  const same = (k: number, before: number, after: number) =>
    before === Math.floor((k - 1) / 2) && after === k - 1 - before;
  if (same(kh, top, bottom) && same(kw, left, right)) return 'same';
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** The kernel over the backend's own (`fallback`), which keeps the cases it does not cover. */
export function webgpuConv2dBackpropInputOver(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const { dy, filter, backend, info } = inputGradientCall(args, false);
      const { top, bottom, left, right } = info.padInfo;
      const kh = info.filterHeight;
      const kw = info.filterWidth;
      const covered =
        info.dataFormat === 'channelsLast' &&
        info.strideHeight === 1 &&
        info.strideWidth === 1 &&
        Math.max(top, bottom) <= kh - 1 &&
        Math.max(left, right) <= kw - 1;
      if (!covered) return fallback.kernelFunc(args);

      const turned =
        kh === 1 && kw === 1
          ? filter
          : runRegisteredKernel('Reverse', { x: filter }, { dims: [0, 1] }, backend);
      const swapped = runRegisteredKernel('Transpose', { x: turned }, { perm: [0, 1, 3, 2] }, backend);
      if (turned !== filter) backend.disposeData(turned.dataId);
      const dx = runRegisteredKernel(
        'Conv2D',
        { x: dy, filter: swapped },
        {
          strides: [1, 1],
          pad: paddingOf([kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], kh, kw),
          dataFormat: 'NHWC',
          dilations: [1, 1],
        } as unknown as tf.NamedAttrMap,
        backend,
      );
      backend.disposeData(swapped.dataId);
      return dx;
    },
  };
}
