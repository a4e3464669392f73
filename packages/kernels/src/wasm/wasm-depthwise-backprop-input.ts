/**
 * `DepthwiseConv2dNativeBackpropInput` for TF.js's wasm backend, which 4.22 lacks, expressed through
 * the backend's own (XNNPACK) depthwise conv. For y = depthwiseConv2d(x, w), stride s, dilation d,
 * padding pt / pl (top / left), channel multiplier M:
 *   dx[b, i, j, c] = sum of dy[b, oy, ox, c*M + m] * w[kh, kw, c, m]
 *                    over oy*s + kh*d - pt = i, ox*s + kw*d - pl = j and m,
 * which is a stride-1 depthwise correlation, dilation d, of dy upsampled by s (s - 1 zeros between
 * rows and between columns) and padded by K - 1 - pt on top (K = (k - 1) d + 1, the filter span)
 * with the spatially flipped filter, followed by a sum over m for each input channel c.
 */
import { InvalidValueError } from '@befunet/io';
import * as tf from '@tensorflow/tfjs-core';
import { requireDType } from '../checks.js';
import { runKernelConfig, type WasmBackend, wasmKernel } from './wasm-heap.js';

const NAME = tf.DepthwiseConv2dNativeBackpropInput;

/** Runs one of the wasm backend's own kernels. */
function runWasmKernel(
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  backend: WasmBackend,
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new InvalidValueError(`${NAME} on wasm needs the wasm kernel ${kernelName}`);
  return runKernelConfig(kernel, inputs, attrs, backend);
}

/** dy [b, oh, ow, n] with s - 1 zero rows / columns between its rows / columns. */
function upsample(backend: WasmBackend, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [batch, oh, ow, n] = dy.shape as [number, number, number, number];
  const uh = (oh - 1) * sh + 1;
  const uw = (ow - 1) * sw + 1;
  const out = backend.makeOutput([batch, uh, uw, n], 'float32');
  const up = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(dy) as Float32Array;
  up.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const from = ((b * oh + y) * ow + x) * n;
        up.set(src.subarray(from, from + n), ((b * uh + y * sh) * uw + x * sw) * n);
      }
    }
  }
  return out;
}

/** w [k_h, k_w, C, M] flipped in both spatial axes, as a depthwise filter [k_h, k_w, C*M, 1]. */
function flippedFilter(backend: WasmBackend, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, c, m] = filter.shape as [number, number, number, number];
  const n = c * m;
  const out = backend.makeOutput([kh, kw, n, 1], 'float32');
  const flipped = backend.typedArrayFromHeap(out) as Float32Array;
  const w = backend.typedArrayFromHeap(filter) as Float32Array;
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      const from = ((kh - 1 - y) * kw + (kw - 1 - x)) * n;
      flipped.set(w.subarray(from, from + n), (y * kw + x) * n);
    }
  }
  return out;
}

export const wasmDepthwiseBackpropInput = wasmKernel<
  { dy: tf.TensorInfo; filter: tf.TensorInfo },
  tf.DepthwiseConv2dNativeBackpropInputAttrs
>(NAME, ({ dy, filter }, attrs, backend) => {
  requireDType(dy, 'float32', `${NAME} dy`);
  requireDType(filter, 'float32', `${NAME} filter`);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  // The padded, upsampled dy must hold inHeight + span - 1 rows for a 'valid' correlation.
  const bottom =
    info.inHeight + info.effectiveFilterHeight - 1 - top - ((info.outHeight - 1) * info.strideHeight + 1);
  const right =
    info.inWidth + info.effectiveFilterWidth - 1 - left - ((info.outWidth - 1) * info.strideWidth + 1);
  if (Math.min(top, left, bottom, right) < 0) {
    throw new InvalidValueError(
      `${NAME} on wasm: padding ${JSON.stringify(attrs.pad)} wider than the filter span minus one is not supported`,
    );
  }
  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  const upsampled = strided ? upsample(backend, dy, info.strideHeight, info.strideWidth) : dy;
  const flipped = flippedFilter(backend, filter);
  const perOutputChannel = runWasmKernel(
    tf.DepthwiseConv2dNative,
    { x: upsampled, filter: flipped },
    {
      strides: [1, 1],
      dilations: [info.dilationHeight, info.dilationWidth],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
    },
    backend,
  );
  backend.disposeData(flipped.dataId);
  if (strided) backend.disposeData(upsampled.dataId);
  const multiplier = filter.shape[3]!;
  if (multiplier === 1) return perOutputChannel;
  const grouped = { ...perOutputChannel, shape: [...info.inShape, multiplier] };
  const dx = runWasmKernel(tf.Sum, { x: grouped }, { axis: [4], keepDims: false }, backend);
  backend.disposeData(perOutputChannel.dataId);
  return dx;
});
