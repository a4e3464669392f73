/**
 * `Conv2DBackpropFilter` for TF.js's wasm backend, which 4.22 lacks, as matrix products on XNNPACK.
 *
 * The filter gradient of y = conv2d(x, w) (NHWC, dilation 1) is
 *   dW[kh, kw, ci, co] = sum over positions p = (b, oy, ox) of x[b, oy*sh + kh - pt, ox*sw + kw - pl, ci] * dy[p, co],
 * that is dW = colsᵀ · dy, with cols [P, kh*kw*cin] the input patch of each output position (im2col,
 * zeros where a patch leaves the image) and dy viewed as [P, cout]. The product's result is already
 * dW in TF.js's [kh, kw, cin, cout] order. cols is built by contiguous copies, transposed by the
 * backend's own Transpose and multiplied by its own BatchMatMul on XNNPACK: O(kh*kw*cin*P) memory
 * traffic against the O(kh*kw*cin*P*cout) multiply-adds that the JavaScript loop
 * (`cpu-conv2d-backprop-filter.ts`, still the cpu backend's kernel) ran one at a time. Positions are
 * taken in chunks, so that cols stays under `maxPatchElements` floats; the chunks' products are summed.
 */
import { ConfigError } from '@befunet/io';
import * as tf from '@tensorflow/tfjs-core';
import { requireDType } from '../checks.js';
import {
  type Conv2dBackpropFilterAttrs,
  type Conv2dGeometry,
  convGeometry,
  filterGradientConvInfo,
} from '../cpu/cpu-conv2d-backprop-filter.js';
import { float32View, runKernelConfig, type WasmBackend, wasmKernel } from './wasm-heap.js';

/** cols of one chunk at most this many floats (64 MiB). */
export const MAX_PATCH_ELEMENTS = 16 * 1024 * 1024;

/** The shapes of one filter gradient: x [b, h, w, cin], dy [b, oh, ow, cout], filter [kh, kw]. */
export interface FilterGradientShapes {
  x: readonly number[];
  dy: readonly number[];
  filter: readonly [number, number];
}

/**
 * Writes the patches of positions [first, first + count) into `out` ([count, kh*kw*cin], row-major):
 * row c holds, filter element by filter element, the cin input values output position first + c
 * meets (zeros where the patch leaves the image). Each run of cin values is one contiguous copy.
 */
export function writePatchRows(
  x: Float32Array,
  s: FilterGradientShapes,
  g: Conv2dGeometry,
  first: number,
  count: number,
  out: Float32Array,
): void {
  const [, inHeight, inWidth, cin] = s.x as [number, number, number, number];
  const [, outHeight, outWidth] = s.dy as [number, number, number, number];
  const [filterHeight, filterWidth] = s.filter;
  const rowLength = filterHeight * filterWidth * cin;
  for (let c = 0; c < count; c++) {
    const p = first + c;
    const ox = p % outWidth;
    const oy = Math.floor(p / outWidth) % outHeight;
    const b = Math.floor(p / (outWidth * outHeight));
    for (let kh = 0; kh < filterHeight; kh++) {
      const iy = oy * g.strideHeight + kh - g.padTop;
      for (let kw = 0; kw < filterWidth; kw++) {
        const ix = ox * g.strideWidth + kw - g.padLeft;
        const at = c * rowLength + (kh * filterWidth + kw) * cin;
        if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth) {
          out.fill(0, at, at + cin);
          continue;
        }
        const from = ((b * inHeight + iy) * inWidth + ix) * cin;
        out.set(x.subarray(from, from + cin), at);
      }
    }
  }
}

/** dW as the sum over position chunks of colsᵀ · dy (see the file comment). */
export function conv2dBackpropFilterByProducts(
  backend: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: Conv2dBackpropFilterAttrs,
  maxPatchElements = MAX_PATCH_ELEMENTS,
): tf.TensorInfo {
  const geometry = convGeometry(filterGradientConvInfo(x.shape, attrs));
  const [filterHeight, filterWidth, cin, cout] = attrs.filterShape;
  const shapes: FilterGradientShapes = { x: x.shape, dy: dy.shape, filter: [filterHeight, filterWidth] };
  const rows = filterHeight * filterWidth * cin;
  const positions = tf.util.sizeFromShape(dy.shape) / cout;
  const chunk = Math.max(1, Math.min(positions, Math.floor(maxPatchElements / rows)));
  const product = tf.getKernel(tf.BatchMatMul, 'wasm')!;
  const transpose = tf.getKernel(tf.Transpose, 'wasm')!;
  const plain = { transposeA: false, transposeB: false };
  let sum: Float32Array | undefined;
  for (let first = 0; first < positions; first += chunk) {
    const count = Math.min(chunk, positions - first);
    const cols = backend.makeOutput([count, rows], 'float32');
    const dyRows = count === positions ? undefined : backend.makeOutput([count, cout], 'float32');
    // Views after the last allocation: an allocation may grow the heap and detach earlier views.
    const xValues = float32View(backend, x, `${tf.Conv2DBackpropFilter} x`);
    const dyValues = float32View(backend, dy, `${tf.Conv2DBackpropFilter} dy`);
    writePatchRows(xValues, shapes, geometry, first, count, float32View(backend, cols, 'cols'));
    if (dyRows)
      float32View(backend, dyRows, 'dy rows').set(dyValues.subarray(first * cout, (first + count) * cout));
    const dyMatrix = dyRows ?? { dataId: dy.dataId, dtype: dy.dtype, shape: [positions, cout] };
    const colsT = runKernelConfig(transpose, { x: cols }, { perm: [1, 0] }, backend);
    backend.disposeData(cols.dataId);
    const part = runKernelConfig(product, { a: colsT, b: dyMatrix }, plain, backend);
    backend.disposeData(colsT.dataId);
    if (dyRows) backend.disposeData(dyRows.dataId);
    if (first === 0 && count === positions) {
      part.shape = [...attrs.filterShape];
      return part;
    }
    const values = float32View(backend, part, 'partial dW');
    if (sum) for (let i = 0; i < sum.length; i++) sum[i]! += values[i]!;
    else sum = values.slice();
    backend.disposeData(part.dataId);
  }
  return backend.makeOutput([...attrs.filterShape], 'float32', undefined, sum);
}

export const wasmConv2dBackpropFilter = wasmKernel<
  { x: tf.TensorInfo; dy: tf.TensorInfo },
  Conv2dBackpropFilterAttrs & { dataFormat?: 'NHWC' | 'NCHW' }
>(tf.Conv2DBackpropFilter, ({ x, dy }, attrs, backend) => {
  if (attrs.dataFormat === 'NCHW') {
    throw new ConfigError(`${tf.Conv2DBackpropFilter} on wasm: dataFormat NCHW is not supported, use NHWC`);
  }
  requireDType(x, 'float32', `${tf.Conv2DBackpropFilter} x`);
  requireDType(dy, 'float32', `${tf.Conv2DBackpropFilter} dy`);
  return conv2dBackpropFilterByProducts(backend, x, dy, attrs);
});
