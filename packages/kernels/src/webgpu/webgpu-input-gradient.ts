/**
 * The part shared by our WebGPU input-gradient kernels (dense and depthwise convs, both built over a
 * forward conv): their arguments, and the conv's geometry as TF.js computes it.
 */

import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackend } from './program.js';

interface Attrs {
  inputShape: [number, number, number, number];
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dy, the filter, the backend and the forward conv's info of an input-gradient kernel call. */
export function inputGradientCall(
  args: Parameters<tf.KernelFunc>[0],
  depthwise: boolean,
): {
  dy: tf.TensorInfo;
  filter: tf.TensorInfo;
  backend: WebGpuBackend;
  info: tf.backend_util.Conv2DInfo;
} {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as Attrs;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    // TF.js's dense conv gradients take no dilation (tf.conv2d's gradient refuses one).
    depthwise ? (attrs.dilations ?? 1) : 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    attrs.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast',
  );
  return { dy, filter, backend: args.backend as WebGpuBackend, info };
}
