import { runOnBackend } from '../../../testing/src/backends.ts';
import { DTypeError, ShapeError } from '../errors.js';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  denseConvCases,
  depthwiseConvCases,
  expectClose,
  expectDepthwiseFilterGradientAsCpu,
  expectDepthwiseInputGradientAsCpu,
  expectSameAsCpu as expectSameAsCpuOn,
  type Input,
  outShape,
  random,
  runKernel,
} from '../kernel-cases.test-util.js';
import { conv2dBackpropFilterByProducts } from './wasm-conv2d-backprop-filter.js';
import type { WasmBackend } from './wasm-heap.js';
import { registerWasmTrainingKernels, restoreWasmKernels } from './wasm-kernels.js';

const prepareWasm = () => registerWasmTrainingKernels();

const expectSameAsCpu = (kernel: string, inputs: Record<string, Input>, attrs: object) =>
  expectSameAsCpuOn('wasm', prepareWasm, kernel, inputs, attrs);

describe('wasm kernels, against the cpu backend', () => {
  const xShape = [2, 11, 9, 3];

  it.each(denseConvCases)('Conv2DBackpropFilter: %s', async (_, k, stride, pad) => {
    const filterShape = [k, k, 3, 5];
    const dy = random(outShape(xShape, filterShape, stride, 1, pad, false), 2);
    await expectSameAsCpu(
      tf.Conv2DBackpropFilter,
      { x: random(xShape, 1), dy },
      { strides: stride, pad, dataFormat: 'NHWC', filterShape },
    );
  });

  // The filter gradient's definition, summed directly (TF.js's 'same' padding puts the extra row or
  // column at the bottom / right): dW[kh, kw, ci, co] = sum over b, oy, ox of x[b, oy*s + kh - pt,
  // ox*s + kw - pl, ci] * dy[b, oy, ox, co].
  function filterGradientBySum(x: Input, dy: Input, k: number, s: number, padTop: number): number[] {
    const [b, h, w, cin] = x.shape as [number, number, number, number];
    const [, oh, ow, cout] = dy.shape as [number, number, number, number];
    const dw = new Array<number>(k * k * cin * cout).fill(0);
    for (let n = 0; n < b; n++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let kh = 0; kh < k; kh++)
            for (let kw = 0; kw < k; kw++) {
              const iy = oy * s + kh - padTop;
              const ix = ox * s + kw - padTop;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cin; ci++)
                for (let co = 0; co < cout; co++)
                  dw[((kh * k + kw) * cin + ci) * cout + co]! +=
                    x.values[((n * h + iy) * w + ix) * cin + ci]! *
                    dy.values[((n * oh + oy) * ow + ox) * cout + co]!;
            }
    return dw;
  }

  it.each([
    ['one position per chunk', 1],
    ['7 positions per chunk (the last one shorter)', 7],
  ])('Conv2DBackpropFilter summed over chunks of positions: %s', async (_, positionsPerChunk) => {
    const x = random([2, 5, 6, 3], 21);
    const dy = random([2, 5, 6, 4], 22);
    const attrs = {
      strides: 1,
      pad: 'same' as const,
      filterShape: [3, 3, 3, 4] as [number, number, number, number],
    };
    const values = await runOnBackend('wasm', async () => {
      registerWasmTrainingKernels();
      const [xt, dyt] = [tf.tensor(x.values, x.shape), tf.tensor(dy.values, dy.shape)];
      const backend = tf.backend() as unknown as WasmBackend;
      const info = conv2dBackpropFilterByProducts(backend, xt, dyt, attrs, positionsPerChunk * 27);
      const dw = tf.engine().makeTensorFromTensorInfo(info);
      expect(dw.shape).toEqual([3, 3, 3, 4]);
      const out = Array.from(await dw.data());
      tf.dispose([xt, dyt, dw]);
      return out;
    });
    expectClose(values, filterGradientBySum(x, dy, 3, 1, 1));
  });

  it.each(depthwiseConvCases)('DepthwiseConv2dNativeBackpropFilter: %s', (...c) =>
    expectDepthwiseFilterGradientAsCpu('wasm', prepareWasm, xShape, c),
  );

  it.each(depthwiseConvCases)('DepthwiseConv2dNativeBackpropInput: %s', (...c) =>
    expectDepthwiseInputGradientAsCpu('wasm', prepareWasm, xShape, c),
  );

  it('UnsortedSegmentSum, with ids out of range dropped', async () => {
    const segmentIds: Input = { shape: [7], values: Int32Array.from([0, 2, -1, 2, 5, 1, 0]), dtype: 'int32' };
    await expectSameAsCpu(tf.UnsortedSegmentSum, { x: random([7, 3, 2], 7), segmentIds }, { numSegments: 4 });
  });

  it.each([
    ['float32 [2, 1, 3] by [2, 3, 1]', [2, 1, 3], [2, 3, 1], 'float32'],
    [
      'float32 [1, 5, 4, 1] by [1, 1, 1, 6] (LayerNormalization statistics)',
      [1, 5, 4, 1],
      [1, 1, 1, 6],
      'float32',
    ],
    [
      'float32 [1, 1, 1, 6] by [2, 5, 4, 1] (LayerNormalization gamma)',
      [1, 1, 1, 6],
      [2, 5, 4, 1],
      'float32',
    ],
    ['int32 [3] by [4]', [3], [4], 'int32'],
    ['bool [2, 2] by [3, 1]', [2, 2], [3, 1], 'bool'],
    ['float32 [2, 3] by [1, 1]', [2, 3], [1, 1], 'float32'],
  ] as [string, number[], number[], tf.DataType][])('Tile: %s', async (_, shape, reps, dtype) => {
    const x = random(shape, 8);
    const values =
      dtype === 'float32'
        ? x.values
        : dtype === 'int32'
          ? Int32Array.from(x.values, (v) => Math.round(v * 100))
          : Uint8Array.from(x.values, (v) => (v > 0 ? 1 : 0));
    await expectSameAsCpu(tf.Tile, { x: { shape, values, dtype } }, { reps });
  });

  it('replaces the wasm backend’s Tile, which gives the same values', async () => {
    const input = { x: random([3, 1, 2], 9) };
    const fast = await runKernel('wasm', tf.Tile, input, { reps: [2, 4, 3] }, prepareWasm);
    restoreWasmKernels();
    const own = await runOnBackend('wasm', async () => {
      const x = tf.tensor(input.x.values, input.x.shape);
      const y = tf.tile(x, [2, 4, 3]);
      const values = Array.from(await y.data());
      tf.dispose([x, y]);
      return values;
    });
    expect(fast.values).toEqual(own);
  });

  // Every path of the faster BatchMatMul: one product (XNNPACK after materialising a transposed
  // operand, directly or as Cᵀ = Bᵀ Aᵀ), b shared by a batch of a (folded into rows), a shared by a batch of b (through
  // (A B_i)ᵀ = B_iᵀ Aᵀ), and two batched operands (the backend's own kernel). 50 and 70 pass the
  // backend's block size (48).
  it.each([
    ['one product', [1, 5, 7], [1, 7, 3]],
    ['one product, past a block', [50, 60], [60, 70]],
    ['one product, few rows (through Cᵀ = Bᵀ Aᵀ)', [2, 30], [30, 40]],
    ['b shared by a batch of a', [3, 5, 7], [7, 4]],
    ['b shared, broadcast batch axes', [2, 1, 5, 7], [1, 1, 7, 4]],
    ['a shared by a batch of b', [5, 7], [2, 3, 7, 4]],
    ['a shared, broadcast batch axes', [1, 5, 7], [3, 1, 7, 4]],
    ['two batched operands', [2, 5, 7], [2, 7, 4]],
  ] as [string, number[], number[]][])('BatchMatMul: %s, all transposes', async (_, aShape, bShape) => {
    const swap = (shape: number[]) => [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!];
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = random(transposeA ? swap(aShape) : aShape, 10);
        const b = random(transposeB ? swap(bShape) : bShape, 11);
        await expectSameAsCpu(tf.BatchMatMul, { a, b }, { transposeA, transposeB });
      }
    }
  });

  it('BatchMatMul frees its intermediate tensors', async () => {
    const a = random([3, 7, 5], 12);
    const b = random([4, 7], 13);
    const dataIds = await runOnBackend('wasm', async () => {
      registerWasmTrainingKernels();
      const x = tf.tensor(a.values, a.shape);
      const y = tf.tensor(b.values, b.shape);
      const before = tf.engine().backend.numDataIds();
      const z = tf.matMul(x, y, true, true);
      const after = tf.engine().backend.numDataIds();
      tf.dispose([x, y, z]);
      return after - before;
    });
    expect(dataIds, 'backend tensors added by one product').toBe(1);
  });

  it('BatchMatMul rejects mismatched inner dimensions with a typed error naming both shapes', async () => {
    const attempt = runKernel(
      'wasm',
      tf.BatchMatMul,
      { a: random([2, 3], 14), b: random([4, 5], 15) },
      { transposeA: false, transposeB: false },
      prepareWasm,
    );
    await expect(attempt).rejects.toThrow(ShapeError);
    await expect(attempt).rejects.toThrow(/BatchMatMul inner dimensions differ: a \[2,3\].*b \[4,5\]/);
  });

  it('rejects non-float32 gradients with a typed error naming the kernel input', async () => {
    const dy: Input = { shape: [1, 3, 3, 1], values: new Int32Array(9), dtype: 'int32' };
    const attrs = { strides: 1, dilations: 1, pad: 'same', inputShape: [1, 3, 3, 1] };
    const attempt = runKernel(
      'wasm',
      tf.DepthwiseConv2dNativeBackpropInput,
      { dy, filter: random([3, 3, 1, 1], 1) },
      attrs,
      prepareWasm,
    );
    await expect(attempt).rejects.toThrow(DTypeError);
    await expect(attempt).rejects.toThrow(/DepthwiseConv2dNativeBackpropInput dy must be float32, got int32/);
  });
});
