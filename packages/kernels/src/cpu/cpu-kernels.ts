/**
 * Faster filter-gradient kernels for TF.js's cpu backend, registered in place of TF.js 4.22's own
 * (which are 30-60x slower than the forward convs and dominate CPU training). Inputs they do not
 * handle (NCHW, non-float32) go to the original kernels. `install({ backend: 'cpu' })` registers them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KernelOverrides } from '../kernel-overrides.js';
import { conv2dBackpropFilterKernel } from './cpu-conv2d-backprop-filter.js';
import {
  type DepthwiseBackpropFilterAttrs,
  depthwiseBackpropFilterKernel,
} from './cpu-depthwise-backprop-filter.js';

type CpuBackend = {
  data: { get(id: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
};

interface FilterGradientArgs {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
  attrs: DepthwiseBackpropFilterAttrs & { dataFormat?: 'NHWC' | 'NCHW' };
  backend: CpuBackend;
}

/** The kernels replaced, with what computes them; `null` means: use the original kernel. */
const REPLACEMENTS: Record<string, (a: FilterGradientArgs) => Float32Array | null> = {
  [tf.Conv2DBackpropFilter]: ({ x, dy, attrs, backend }) =>
    attrs.dataFormat === 'NCHW' || x.dtype !== 'float32'
      ? null
      : conv2dBackpropFilterKernel(values(backend, x), x.shape, values(backend, dy), dy.shape, attrs),
  [tf.DepthwiseConv2dNativeBackpropFilter]: ({ x, dy, attrs, backend }) =>
    x.dtype !== 'float32'
      ? null
      : depthwiseBackpropFilterKernel(values(backend, x), x.shape, values(backend, dy), dy.shape, attrs),
};

const values = (backend: CpuBackend, t: tf.TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
const overrides = new KernelOverrides('cpu');

/**
 * Registers the faster cpu kernels (idempotent; a no-op when the cpu backend is not loaded). Returns
 * the names registered by this call.
 */
export function registerFastCpuKernels(): string[] {
  const registered: string[] = [];
  for (const [kernelName, compute] of Object.entries(REPLACEMENTS)) {
    const replaced = overrides.replace(kernelName, (original) => ({
      kernelName,
      backendName: 'cpu',
      kernelFunc: (args) => {
        const { x, dy } = args.inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
        const attrs = args.attrs as unknown as FilterGradientArgs['attrs'];
        const backend = args.backend as unknown as CpuBackend;
        const out = compute({ x, dy, attrs, backend });
        return out ? backend.makeTensorInfo(attrs.filterShape, 'float32', out) : original.kernelFunc(args);
      },
    }));
    if (replaced) registered.push(kernelName);
  }
  return registered;
}

/** Puts TF.js's own version of one cpu kernel back (no-op when it was not replaced). */
export function restoreCpuKernel(kernelName: string): void {
  overrides.restore(kernelName);
}

/** Puts TF.js's own cpu kernels back. */
export function restoreCpuKernels(): void {
  overrides.restoreAll();
}
