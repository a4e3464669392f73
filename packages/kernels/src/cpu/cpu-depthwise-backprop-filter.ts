/**
 * The filter gradient of a depthwise NHWC conv for TF.js's cpu backend:
 * dW[kh, kw, c, m] = sum over b, oy, ox of x[b, oy*sh + kh*dh - pt, ox*sw + kw*dw - pl, c] *
 * dy[b, oy, ox, c*M + m] (M the channel multiplier). Like the dense case, TF.js 4.22's cpu kernel is
 * far slower than the forward conv; this one walks the output positions once with contiguous channel loops.
 * Plain JavaScript: the wasm backend runs it too (`wasm-depthwise-backprop-filter.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Conv2dBackpropFilterAttrs,
  type Conv2dGeometry,
  convGeometry,
} from './cpu-conv2d-backprop-filter.js';

export interface DepthwiseGeometry extends Conv2dGeometry {
  dilationHeight: number;
  dilationWidth: number;
}

/** dW [kh, kw, c, M] from x [b, h, w, c] and dy [b, oh, ow, c*M]. */
export function depthwiseBackpropFilterNhwc(
  x: Float32Array,
  [batch, inHeight, inWidth, channels]: readonly number[],
  dy: Float32Array,
  [, outHeight, outWidth]: readonly number[],
  [filterHeight, filterWidth, , multiplier]: readonly number[],
  g: DepthwiseGeometry,
): Float32Array {
  const c = channels!;
  const m = multiplier!;
  const cout = c * m;
  const dw = new Float32Array(filterHeight! * filterWidth! * cout);
  for (let b = 0; b < batch!; b++) {
    for (let oy = 0; oy < outHeight!; oy++) {
      for (let ox = 0; ox < outWidth!; ox++) {
        const dyBase = ((b * outHeight! + oy) * outWidth! + ox) * cout;
        for (let kh = 0; kh < filterHeight!; kh++) {
          const iy = oy * g.strideHeight + kh * g.dilationHeight - g.padTop;
          if (iy < 0 || iy >= inHeight!) continue;
          for (let kw = 0; kw < filterWidth!; kw++) {
            const ix = ox * g.strideWidth + kw * g.dilationWidth - g.padLeft;
            if (ix < 0 || ix >= inWidth!) continue;
            const xBase = ((b * inHeight! + iy) * inWidth! + ix) * c;
            const wBase = (kh * filterWidth! + kw) * cout;
            for (let ci = 0; ci < c; ci++) {
              const xv = x[xBase + ci]!;
              for (let k = 0; k < m; k++) dw[wBase + ci * m + k]! += xv * dy[dyBase + ci * m + k]!;
            }
          }
        }
      }
    }
  }
  return dw;
}

/** The attributes of TF.js's `DepthwiseConv2dNativeBackpropFilter` kernel. */
export type DepthwiseBackpropFilterAttrs = Conv2dBackpropFilterAttrs & {
  dilations?: number | [number, number];
};

/** The `DepthwiseConv2dNativeBackpropFilter` kernel (float32) on the values of x and dy. */
export function depthwiseBackpropFilterKernel(
  x: Float32Array,
  xShape: readonly number[],
  dy: Float32Array,
  dyShape: readonly number[],
  attrs: DepthwiseBackpropFilterAttrs,
): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  return depthwiseBackpropFilterNhwc(x, xShape, dy, dyShape, attrs.filterShape, convGeometry(info));
}
