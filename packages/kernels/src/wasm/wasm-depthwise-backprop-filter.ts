/**
 * `DepthwiseConv2dNativeBackpropFilter` for TF.js's wasm backend, which 4.22 lacks: the cpu backend's
 * fast JavaScript loop (`cpu-depthwise-backprop-filter.ts`) run over views of the wasm heap.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type DepthwiseBackpropFilterAttrs,
  depthwiseBackpropFilterKernel,
} from '../cpu/cpu-depthwise-backprop-filter.js';
import { float32View, wasmKernel } from './wasm-heap.js';

const NAME = tf.DepthwiseConv2dNativeBackpropFilter;

export const wasmDepthwiseBackpropFilter = wasmKernel<
  { x: tf.TensorInfo; dy: tf.TensorInfo },
  DepthwiseBackpropFilterAttrs
>(NAME, ({ x, dy }, attrs, backend) => {
  const dw = depthwiseBackpropFilterKernel(
    float32View(backend, x, `${NAME} x`),
    x.shape,
    float32View(backend, dy, `${NAME} dy`),
    dy.shape,
    attrs,
  );
  return backend.makeOutput([...attrs.filterShape], 'float32', undefined, dw);
});
