// TF.js registers its gradients in Node.js ESM only through tfjs-layers (or the union package).
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { runOnBackend, testProject } from '../../../testing/src/backends.ts';
import { TOLERANCE } from '../../../testing/src/tolerance.ts';
import { DTypeError } from '../errors.js';
import {
  type DenseConvCase,
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
import { TARGET_THREADS_FLAG } from './webgpu-filter-gradient.js';
import { registerWebGpuKernels, restoreWebGpuKernels, WEBGPU_KERNELS } from './webgpu-kernels.js';

type Shape4 = [number, number, number, number];
const prepareWebGpu = () => registerWebGpuKernels();

const expectSameAsCpu = (kernel: string, inputs: Record<string, Input>, attrs: object) =>
  expectSameAsCpuOn('webgpu', prepareWebGpu, kernel, inputs, attrs);

// Channel counts that take each load width: scalar x and dy, vec4 x only, vec4 dy only, both vec4.
const channelPairs: [number, number][] = [
  [3, 5],
  [8, 6],
  [6, 8],
  [8, 12],
];

describe.runIf(testProject() === 'webgpu')('webgpu kernels, against the cpu backend', () => {
  const defaultTarget = tf.env().getNumber(TARGET_THREADS_FLAG);
  afterEach(() => tf.env().set(TARGET_THREADS_FLAG, defaultTarget));

  const denseCases = denseConvCases.flatMap((c) =>
    channelPairs.map(([ci, co]) => [`${c[0]}, ${ci} -> ${co} channels`, c, ci, co] as const),
  );
  it.each(denseCases)('Conv2DBackpropFilter: %s', async (_, [, k, stride, pad]: DenseConvCase, ci, co) => {
    const xShape = [2, 11, 9, ci];
    const filterShape = [k, k, ci, co];
    const inputs = {
      x: random(xShape, 1),
      dy: random(outShape(xShape, filterShape, stride, 1, pad, false), 2),
    };
    const attrs = { strides: stride, pad, dataFormat: 'NHWC', filterShape };
    await expectSameAsCpu(tf.Conv2DBackpropFilter, inputs, attrs);
  });

  it.each([
    ['one row per slice', 1 << 18],
    ['several rows per slice', 64],
    ['a single slice', 1],
  ])('Conv2DBackpropFilter sums its row slices right: %s', async (_, target) => {
    tf.env().set(TARGET_THREADS_FLAG, target);
    const xShape = [3, 13, 10, 8];
    const filterShape = [3, 3, 8, 4];
    const dy = random(outShape(xShape, filterShape, 1, 1, 'same', false), 3);
    await expectSameAsCpu(
      tf.Conv2DBackpropFilter,
      { x: random(xShape, 4), dy },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape },
    );
  });

  it.each(
    depthwiseConvCases.flatMap((c) =>
      [3, 8].map((channels) => [`${c[0]}, ${channels} channels`, c, channels] as const),
    ),
  )('DepthwiseConv2dNativeBackpropFilter: %s', (_, c, channels) =>
    expectDepthwiseFilterGradientAsCpu('webgpu', prepareWebGpu, [2, 11, 9, channels], c),
  );

  it.each(
    depthwiseConvCases.flatMap((c) =>
      [3, 8].map((channels) => [`${c[0]}, ${channels} channels`, c, channels] as const),
    ),
  )('DepthwiseConv2dNativeBackpropInput: %s', (_, c, channels) =>
    expectDepthwiseInputGradientAsCpu('webgpu', prepareWebGpu, [2, 11, 9, channels], c),
  );

  it('DepthwiseConv2dNativeBackpropFilter with several rows per slice', async () => {
    tf.env().set(TARGET_THREADS_FLAG, 64);
    await expectDepthwiseFilterGradientAsCpu('webgpu', prepareWebGpu, [3, 17, 6, 8], depthwiseConvCases[0]!);
  });

  it.each([
    ['3x3 stride 1 same', 3, 1, 'same'],
    ['5x5 stride 1 same', 5, 1, 'same'],
    ['3x3 stride 1 valid', 3, 1, 'valid'],
    ['1x1 stride 1', 1, 1, 'valid'],
    [
      '4x2 stride 1, explicit uneven padding',
      [4, 2],
      1,
      [
        [0, 0],
        [2, 1],
        [0, 1],
        [0, 0],
      ],
    ],
    ['3x3 stride 2 same (the backend’s own kernel)', 3, 2, 'same'],
  ] as [string, number | [number, number], number, unknown][])(
    'Conv2DBackpropInput: %s',
    async (_, k, stride, pad) => {
      const [kh, kw] = typeof k === 'number' ? [k, k] : k;
      for (const [ci, co] of channelPairs) {
        const xShape = [2, 11, 9, ci];
        const filterShape = [kh, kw, ci, co];
        const dyShape = tf.backend_util.computeConv2DInfo(
          xShape as Shape4,
          filterShape as Shape4,
          stride,
          1,
          pad as 'same',
        ).outShape;
        await expectSameAsCpu(
          tf.Conv2DBackpropInput,
          { dy: random(dyShape, 5), filter: random(filterShape, 6) },
          { strides: stride, pad, dataFormat: 'NHWC', inputShape: xShape },
        );
      }
    },
  );

  it('gives the gradients of a conv stack (dense 3x3, depthwise 3x3, 1x1) that the cpu backend gives', async () => {
    const x = random([2, 12, 10, 4], 7);
    const w1 = random([3, 3, 4, 8], 8);
    const w2 = random([3, 3, 8, 1], 9);
    const w3 = random([1, 1, 8, 6], 10);
    const gradients = (backend: string) =>
      runOnBackend(backend, async () => {
        if (backend === 'webgpu') prepareWebGpu();
        const [xt, a, b, c] = [x, w1, w2, w3].map((v) => tf.tensor4d(v.values, v.shape as Shape4));
        const loss = (...w: tf.Tensor[]) => {
          const [a, b, c] = w as tf.Tensor4D[];
          const h = tf.relu(tf.conv2d(xt!, a!, 1, 'same'));
          const d = tf.depthwiseConv2d(h, b!, 1, 'same');
          return tf.sum(tf.square(tf.conv2d(d, c!, 1, 'valid')));
        };
        const grads = tf.grads(loss)([a!, b!, c!]);
        const values = await Promise.all(grads.map(async (g) => Array.from(await g.data())));
        tf.dispose([xt!, a!, b!, c!, ...grads]);
        return values;
      });
    const webgpu = await gradients('webgpu');
    const cpu = await gradients('cpu');
    webgpu.forEach((g, i) => {
      expectClose(g, cpu[i]!, TOLERANCE.layer);
    });
  });

  it('replaces the backend’s kernels once, and can put them back', async () => {
    await runOnBackend('webgpu', async () => {
      restoreWebGpuKernels();
      const own = WEBGPU_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'webgpu'));
      expect(registerWebGpuKernels()).toEqual(WEBGPU_KERNELS.map((k) => k.kernelName));
      expect(registerWebGpuKernels()).toEqual([]);
      WEBGPU_KERNELS.forEach(({ kernelName }, i) => {
        expect(tf.getKernel(kernelName, 'webgpu')).not.toBe(own[i]);
      });
      restoreWebGpuKernels();
      WEBGPU_KERNELS.forEach(({ kernelName }, i) => {
        expect(tf.getKernel(kernelName, 'webgpu')).toBe(own[i]);
      });
    });
  });

  it('rejects non-float32 inputs with a typed error naming the kernel input', async () => {
    const dy: Input = { shape: [1, 3, 3, 1], values: new Int32Array(9), dtype: 'int32' };
    const attempt = runKernel(
      'webgpu',
      tf.Conv2DBackpropFilter,
      { x: random([1, 3, 3, 1], 1), dy },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 1] },
      prepareWebGpu,
    );
    await expect(attempt).rejects.toThrow(DTypeError);
    await expect(attempt).rejects.toThrow(/Conv2DBackpropFilter dy must be float32, got int32/);
  });
});
