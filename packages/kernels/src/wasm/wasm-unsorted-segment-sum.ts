/**
 * `UnsortedSegmentSum` for TF.js's wasm backend, which 4.22 lacks (it is the gradient of `gather`,
 * e.g. of the relative-position-bias lookup): out[s, ...] = sum of x[i, ...] over the i with
 * segmentIds[i] = s; ids outside [0, numSegments) are dropped (TensorFlow's definition). The ids may
 * have any rank r; they index the first r axes of x.
 */

import * as tf from '@tensorflow/tfjs-core';
import { requireDType } from '../checks.js';
import { wasmKernel } from './wasm-heap.js';

const NAME = tf.UnsortedSegmentSum;

export const wasmUnsortedSegmentSum = wasmKernel<
  { x: tf.TensorInfo; segmentIds: tf.TensorInfo },
  tf.UnsortedSegmentSumAttrs
>(NAME, ({ x, segmentIds }, { numSegments }, backend) => {
  requireDType(x, 'float32', `${NAME} x`);
  requireDType(segmentIds, 'int32', `${NAME} segmentIds`);
  const inner = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], 'float32');
  // Views after the allocation: it may have grown the heap.
  const sums = backend.typedArrayFromHeap(out) as Float32Array;
  const values = backend.typedArrayFromHeap(x) as Float32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let k = 0; k < inner; k++) sums[to + k]! += values[from + k]!;
  }
  return out;
});
