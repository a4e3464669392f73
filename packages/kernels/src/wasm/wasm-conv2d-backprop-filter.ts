/**
 * `Conv2DBackpropFilter` for TF.js's wasm backend, which 4.22 lacks: the cpu backend's fast JavaScript
 * loop (`cpu-conv2d-backprop-filter.ts`) run over views of the wasm heap.
 */
import { ConfigError } from '@befunet/io';
import * as tf from '@tensorflow/tfjs-core';
import {
  type Conv2dBackpropFilterAttrs,
  conv2dBackpropFilterKernel,
} from '../cpu/cpu-conv2d-backprop-filter.js';
import { float32View, wasmKernel } from './wasm-heap.js';

export const wasmConv2dBackpropFilter = wasmKernel<
  { x: tf.TensorInfo; dy: tf.TensorInfo },
  Conv2dBackpropFilterAttrs & { dataFormat?: 'NHWC' | 'NCHW' }
>(tf.Conv2DBackpropFilter, ({ x, dy }, attrs, backend) => {
  if (attrs.dataFormat === 'NCHW') {
    throw new ConfigError(`${tf.Conv2DBackpropFilter} on wasm: dataFormat NCHW is not supported, use NHWC`);
  }
  const dw = conv2dBackpropFilterKernel(
    float32View(backend, x, `${tf.Conv2DBackpropFilter} x`),
    x.shape,
    float32View(backend, dy, `${tf.Conv2DBackpropFilter} dy`),
    dy.shape,
    attrs,
  );
  return backend.makeOutput([...attrs.filterShape], 'float32', undefined, dw);
});
