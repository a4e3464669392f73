/**
 * A faster `Conv2DBackpropFilter` for TF.js's cpu backend (NHWC).
 *
 * The filter gradient of y = conv2d(x, w) is dW[kh, kw, ci, co] = sum over b, oy, ox of
 * x[b, oy*sh + kh - pt, ox*sw + kw - pl, ci] * dy[b, oy, ox, co]. TF.js 4.22's cpu kernel walks this
 * sum one filter element at a time through index-computing buffer reads; it is 30-60x slower than
 * the forward conv and dominates CPU training time. This one walks the output positions once and
 * accumulates each (input row, output-gradient row) outer product into the filter, with contiguous
 * inner loops over the channels. The loops are plain JavaScript over Float32Arrays, so the wasm backend
 * runs them too, over views of its heap (`wasm-conv2d-backprop-filter.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Conv2dGeometry {
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** dW [kh, kw, cin, cout] of a dilation-1 NHWC conv from x [b, h, w, cin] and dy [b, oh, ow, cout]. */
export function conv2dBackpropFilterNhwc(
  x: Float32Array,
  [batch, inHeight, inWidth, inChannels]: readonly number[],
  dy: Float32Array,
  [, outHeight, outWidth, outChannels]: readonly number[],
  [filterHeight, filterWidth]: readonly number[],
  g: Conv2dGeometry,
): Float32Array {
  const cin = inChannels!;
  const cout = outChannels!;
  const dw = new Float32Array(filterHeight! * filterWidth! * cin * cout);
  for (let b = 0; b < batch!; b++) {
    for (let oy = 0; oy < outHeight!; oy++) {
      for (let ox = 0; ox < outWidth!; ox++) {
        const dyBase = ((b * outHeight! + oy) * outWidth! + ox) * cout;
        for (let kh = 0; kh < filterHeight!; kh++) {
          const iy = oy * g.strideHeight + kh - g.padTop;
          if (iy < 0 || iy >= inHeight!) continue;
          for (let kw = 0; kw < filterWidth!; kw++) {
            const ix = ox * g.strideWidth + kw - g.padLeft;
            if (ix < 0 || ix >= inWidth!) continue;
            const xBase = ((b * inHeight! + iy) * inWidth! + ix) * cin;
            const wBase = (kh * filterWidth! + kw) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xBase + ci]!;
              if (xv === 0) continue;
              const row = wBase + ci * cout;
              for (let co = 0; co < cout; co++) dw[row + co]! += xv * dy[dyBase + co]!;
            }
          }
        }
      }
    }
  }
  return dw;
}

/** The attributes of TF.js's `Conv2DBackpropFilter` kernel. */
export type Conv2dBackpropFilterAttrs = Pick<
  tf.Conv2DBackpropFilterAttrs,
  'strides' | 'pad' | 'dimRoundingMode' | 'filterShape'
>;

/** The `Conv2DBackpropFilter` kernel (NHWC, float32) on the values of x and dy, geometry from its attributes. */
export function conv2dBackpropFilterKernel(
  x: Float32Array,
  xShape: readonly number[],
  dy: Float32Array,
  dyShape: readonly number[],
  attrs: Conv2dBackpropFilterAttrs,
): Float32Array {
  const info = filterGradientConvInfo(xShape, attrs);
  return conv2dBackpropFilterNhwc(x, xShape, dy, dyShape, attrs.filterShape, convGeometry(info));
}

/** TF.js's conv info of the forward conv (NHWC, dilation 1) whose filter gradient `attrs` asks for. */
export function filterGradientConvInfo(
  xShape: readonly number[],
  attrs: Conv2dBackpropFilterAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** The strides, dilations and top / left padding of a conv, from TF.js's conv info. */
export function convGeometry(info: tf.backend_util.Conv2DInfo): Conv2dGeometry & {
  dilationHeight: number;
  dilationWidth: number;
} {
  return {
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
