/**
 * `DepthwiseConv2dNativeBackpropInput` for TF.js's WebGPU backend, built over its forward
 * `DepthwiseConv2dNative` where the stride is 1 and the channel multiplier 1 (every depthwise conv of
 * BEFUnet's edge encoder).
 *
 * With stride 1, dx[b, iy, ix, c] = sum over ky, kx of dy[b, iy + pt - ky*dh, ix + pl - kx*dw, c] *
 * w[ky, kx, c]: a forward depthwise conv of dy with the filter turned by 180 degrees, the same
 * dilation, and (kh-1)*dh - pt rows above, (kh-1)*dh - pb below (columns alike). TF.js 4.22's own
 * kernel ran about 2.4 times as long as the forward conv in a training step on an H100, and ignores
 * dilations. Other strides and multipliers still go to it (`fallback`), with a dilated filter
 * turned into the equivalent undilated one.
 */

import * as tf from '@tensorflow/tfjs-core';
import { runRegisteredKernel, type WebGpuBackend } from './program.js';
import { inputGradientCall } from './webgpu-input-gradient.js';

/**
 * The filter [kh, kw, c, m] with dilation (dh, dw) as an undilated one: [(kh-1)*dh + 1,
 * (kw-1)*dw + 1, c, m], tap (ky, kx) at (ky*dh, kx*dw) and zeros between (each tap followed by
 * dh - 1 rows and dw - 1 columns of zeros, those after the last tap cut off).
 */
function undilatedFilter(
  filter: tf.TensorInfo,
  dh: number,
  dw: number,
  backend: WebGpuBackend,
): tf.TensorInfo {
  const [kh, kw, c, m] = filter.shape as [number, number, number, number];
  const reshape = (x: tf.TensorInfo, shape: number[]) =>
    runRegisteredKernel('Reshape', { x }, { shape }, backend);
  // Zeros after every tap along one axis (the backend pads up to rank 4): [outer, k, inner] ->
  // [outer, k * d, inner].
  const spreadAxis = (x: tf.TensorInfo, outer: number, k: number, d: number, inner: number) => {
    const taps = reshape(x, [outer, k, 1, inner]);
    const padded = runRegisteredKernel(
      'PadV2',
      { x: taps },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, d - 1],
          [0, 0],
        ],
        constantValue: 0,
      } as unknown as tf.NamedAttrMap,
      backend,
    );
    backend.disposeData(taps.dataId);
    return padded;
  };
  const rows = spreadAxis(filter, 1, kh, dh, kw * c * m);
  const columns = spreadAxis(rows, kh * dh, kw, dw, c * m);
  const spread = reshape(columns, [kh * dh, kw * dw, c, m]);
  const out = runRegisteredKernel(
    'Slice',
    { x: spread },
    { begin: [0, 0, 0, 0], size: [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m] },
    backend,
  );
  for (const t of [rows, columns, spread]) backend.disposeData(t.dataId);
  return out;
}

/** The kernel over the backend's own (`fallback`), which keeps the cases it does not cover. */
export function webgpuDepthwiseBackpropInputOver(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const { dy, filter, backend, info } = inputGradientCall(args, true);
      const { top, bottom, left, right } = info.padInfo;
      const spanH = (info.filterHeight - 1) * info.dilationHeight;
      const spanW = (info.filterWidth - 1) * info.dilationWidth;
      const covered =
        info.strideHeight === 1 &&
        info.strideWidth === 1 &&
        filter.shape[3] === 1 &&
        dy.dtype === 'float32' &&
        Math.max(top, bottom) <= spanH &&
        Math.max(left, right) <= spanW;
      if (!covered) {
        if (info.dilationHeight === 1 && info.dilationWidth === 1) return fallback.kernelFunc(args);
        // TF.js 4.22's own kernel ignores dilations: give it the equivalent undilated filter.
        const undilated = undilatedFilter(filter, info.dilationHeight, info.dilationWidth, backend);
        const dx = fallback.kernelFunc({
          ...args,
          inputs: { dy, filter: undilated },
          attrs: { ...args.attrs, dilations: [1, 1] },
        }) as tf.TensorInfo;
        backend.disposeData(undilated.dataId);
        return dx;
      }

      const turned = runRegisteredKernel('Reverse', { x: filter }, { dims: [0, 1] }, backend);
      const dx = runRegisteredKernel(
        'DepthwiseConv2dNative',
        { x: dy, filter: turned },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [spanH - top, spanH - bottom],
            [spanW - left, spanW - right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [info.dilationHeight, info.dilationWidth],
        } as unknown as tf.NamedAttrMap,
        backend,
      );
      backend.disposeData(turned.dataId);
      return dx;
    },
  };
}
