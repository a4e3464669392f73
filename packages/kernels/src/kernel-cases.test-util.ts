/**
 * What the kernel tests of every backend share: seeded inputs as plain values (so that each backend
 * builds its own tensors), running one kernel on a backend, conv shapes and cases, and the
 * undilated-filter trick that lets TF.js's cpu kernels (which ignore `dilations` in gradients) serve
 * as the reference for dilated depthwise gradients.
 */

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { runOnBackend } from '../../testing/src/backends.ts';
import { closeness, TOLERANCE, type Tolerance } from '../../testing/src/tolerance.ts';

/** A kernel's input as plain values. */
export interface Input {
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
  dtype: tf.DataType;
}

export const random = (shape: number[], seed: number): Input => {
  let s = seed;
  const values = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31; // a linear congruential generator
    return s / 2 ** 30 - 1;
  });
  return { shape, values, dtype: 'float32' };
};

/** Runs one kernel on `backend` after `prepare` (which registers the kernels under test). */
export async function runKernel(
  backend: string,
  kernel: string,
  inputs: Record<string, Input>,
  attrs: object,
  prepare: () => void = () => {},
) {
  return runOnBackend(backend, async () => {
    prepare();
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]),
    );
    const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    const result = { shape: out.shape, values: Array.from(await out.data()) };
    tf.dispose([out, ...Object.values(tensors)]);
    return result;
  });
}

export function expectClose(actual: number[], expected: number[], tolerance: Tolerance = TOLERANCE.op) {
  const c = closeness(actual, expected, tolerance);
  expect(c.mismatches, `worst at ${c.worstIndex}: ${c.worstActual} vs ${c.worstExpected}`).toBe(0);
}

/** Runs a kernel on `backend` (after `prepare`) and on TF.js's cpu backend, and compares. */
export async function expectSameAsCpu(
  backend: string,
  prepare: () => void,
  kernel: string,
  inputs: Record<string, Input>,
  attrs: object,
) {
  const actual = await runKernel(backend, kernel, inputs, attrs, prepare);
  const cpu = await runKernel('cpu', kernel, inputs, attrs);
  expect(actual.shape).toEqual(cpu.shape);
  expectClose(actual.values, cpu.values);
}

/**
 * For each element of a [k, k, n] filter with dilation d, its flat index in the equivalent undilated
 * filter [(k-1)d+1, (k-1)d+1, n] (tap (kh, kw) sits at (kh d, kw d)).
 */
export function filterTaps(k: number, d: number, n: number): number[] {
  const span = (k - 1) * d + 1;
  return Array.from({ length: k * k * n }, (_, i) => {
    const c = i % n;
    const kw = Math.floor(i / n) % k;
    const kh = Math.floor(i / (n * k));
    return (kh * d * span + kw * d) * n + c;
  });
}

/** The dy shape of a conv of x with `filterShape`, from TF.js's shape rules. */
export function outShape(
  xShape: number[],
  filterShape: number[],
  stride: number,
  dilation: number,
  pad: 'same' | 'valid',
  depthwise: boolean,
): number[] {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    stride,
    dilation,
    pad,
    undefined,
    depthwise,
  ).outShape;
}

/** name, kernel size, stride, padding */
export type DenseConvCase = [string, number, number, 'same' | 'valid'];
export const denseConvCases: DenseConvCase[] = [
  ['3x3 stride 1 same', 3, 1, 'same'],
  ['3x3 stride 2 same', 3, 2, 'same'],
  ['3x3 stride 2 valid', 3, 2, 'valid'],
  ['1x1 stride 1', 1, 1, 'valid'],
  ['1x1 stride 1 same', 1, 1, 'same'],
  ['1x1 stride 2 valid', 1, 2, 'valid'],
  ['4x4 stride 4 valid', 4, 4, 'valid'],
];

/** name, kernel size, stride, dilation, padding, channel multiplier */
export type DepthwiseConvCase = [string, number, number, number, 'same' | 'valid', number];
export const depthwiseConvCases: DepthwiseConvCase[] = [
  ['3x3 stride 1 same', 3, 1, 1, 'same', 1],
  ['3x3 stride 2 same', 3, 2, 1, 'same', 1],
  ['3x3 stride 2 valid, multiplier 2', 3, 2, 1, 'valid', 2],
  ['3x3 dilation 2 same', 3, 1, 2, 'same', 1],
  ['5x5 dilation 2 valid, multiplier 3', 5, 1, 2, 'valid', 3],
  ['2x2 stride 3 valid', 2, 3, 1, 'valid', 1],
];

/** A depthwise case's filter shape, a seeded dy, and the span (k - 1) * dilation + 1 of its taps. */
function depthwiseGradientCase(
  xShape: number[],
  k: number,
  stride: number,
  dilation: number,
  pad: 'same' | 'valid',
  m: number,
  dySeed: number,
) {
  const channels = xShape[3]!;
  const filterShape = [k, k, channels, m];
  const dy = random(outShape(xShape, filterShape, stride, dilation, pad, true), dySeed);
  return { channels, filterShape, dy, span: (k - 1) * dilation + 1 };
}

/**
 * The depthwise filter gradient on `backend` (after `prepare`) against TF.js's cpu kernel, which
 * for dilation d gets the equivalent undilated filter (zeros between the taps).
 */
export async function expectDepthwiseFilterGradientAsCpu(
  backend: string,
  prepare: () => void,
  xShape: number[],
  [, k, stride, dilation, pad, m]: DepthwiseConvCase,
) {
  const { channels, filterShape, dy, span } = depthwiseGradientCase(xShape, k, stride, dilation, pad, m, 3);
  const x = random(xShape, 4);
  const attrs = { strides: stride, pad };
  const actual = await runKernel(
    backend,
    tf.DepthwiseConv2dNativeBackpropFilter,
    { x, dy },
    { ...attrs, dilations: dilation, filterShape },
    prepare,
  );
  const cpu = await runKernel(
    'cpu',
    tf.DepthwiseConv2dNativeBackpropFilter,
    { x, dy },
    { ...attrs, dilations: 1, filterShape: [span, span, channels, m] },
  );
  expect(actual.shape).toEqual(filterShape);
  expectClose(
    actual.values,
    filterTaps(k, dilation, channels * m).map((i) => cpu.values[i]!),
  );
}

/**
 * The depthwise input gradient on `backend` (after `prepare`) against TF.js's cpu kernel, which for
 * dilation d gets the equivalent undilated filter (zeros between the taps).
 */
export async function expectDepthwiseInputGradientAsCpu(
  backend: string,
  prepare: () => void,
  xShape: number[],
  [, k, stride, dilation, pad, m]: DepthwiseConvCase,
) {
  const { channels, filterShape, dy, span } = depthwiseGradientCase(xShape, k, stride, dilation, pad, m, 5);
  const filter = random(filterShape, 6);
  const attrs = { strides: stride, pad, inputShape: xShape };
  const actual = await runKernel(
    backend,
    tf.DepthwiseConv2dNativeBackpropInput,
    { dy, filter },
    { ...attrs, dilations: dilation },
    prepare,
  );
  const dilated = new Float32Array(span * span * channels * m);
  filterTaps(k, dilation, channels * m).forEach((to, from) => {
    dilated[to] = filter.values[from]!;
  });
  const undilated: Input = { shape: [span, span, channels, m], values: dilated, dtype: 'float32' };
  const cpu = await runKernel(
    'cpu',
    tf.DepthwiseConv2dNativeBackpropInput,
    { dy, filter: undilated },
    { ...attrs, dilations: 1 },
  );
  expect(actual.shape).toEqual(cpu.shape);
  expectClose(actual.values, cpu.values);
}
