/**
 * `BatchMatMul` for TF.js's WebGPU backend with the shared axis split, where a product has a long
 * shared axis and a small output: the weight gradient of a dense layer, dW = x^T dy with x [rows, in]
 * and dy [rows, out], rows = batch * height * width (31,360 at batch 10 in Swin's first stage). TF.js
 * 4.22 tiles the output 32x32 per workgroup, so a 96 x 96 weight gets 9 workgroups that each walk all
 * 31,360 rows, and a GPU with 132 multiprocessors stays almost idle.
 *
 * When a is transposed and b is not, both keep the shared axis outermost, so splitting it into S
 * slices is a reshape: a [1, K, M] -> [S, K/S, M], b [1, K, N] -> [S, K/S, N]. The backend's own
 * matmul then runs S products at once (S times the workgroups), and the leading-axes sum of
 * webgpu-leading-sum.ts adds the S partial products [S, M, N]. S divides K, so no row is left over.
 */

import * as tf from '@tensorflow/tfjs-core';
import { runRegisteredKernel, type WebGpuBackend } from './program.js';
import { sumLeadingRows } from './webgpu-leading-sum.js';

/** Workgroups (32 x 32 output tiles) a product should reach: 8 per multiprocessor of an H100. */
export const SPLIT_K_WORKGROUPS_FLAG = 'BEFUNET_WEBGPU_SPLIT_K_WORKGROUPS';
tf.env().registerFlag(SPLIT_K_WORKGROUPS_FLAG, () => 1024);

/** The shortest slice of the shared axis worth a product of its own. */
export const MIN_SLICE = 64;

interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * The number of slices to split a shared axis of length `k` into, for an output of `outputTiles`
 * 32x32 tiles: the largest divisor of k that brings the tiles up to the target without slices
 * shorter than MIN_SLICE; 1 when no split helps.
 */
export function splitCount(k: number, outputTiles: number): number {
  const wanted = Math.min(
    Math.ceil(tf.env().getNumber(SPLIT_K_WORKGROUPS_FLAG) / outputTiles),
    Math.floor(k / MIN_SLICE),
  );
  for (let s = wanted; s > 1; s--) if (k % s === 0) return s;
  return 1;
}

/** The kernel over the backend's own (`fallback`), which keeps every product it does not split. */
export function webgpuSplitKMatMulOver(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as Attrs;
      const batch = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape.slice(0, -2));
      const eligible =
        transposeA &&
        !transposeB &&
        a.dtype === 'float32' &&
        b.dtype === 'float32' &&
        a.shape.length >= 2 &&
        b.shape.length >= 2 &&
        batch(a) === 1 &&
        batch(b) === 1;
      if (!eligible) return fallback.kernelFunc(args);
      const [k, m] = a.shape.slice(-2) as [number, number];
      const [kb, n] = b.shape.slice(-2) as [number, number];
      const slices = k === kb ? splitCount(k, Math.ceil(m / 32) * Math.ceil(n / 32)) : 1;
      if (slices === 1) return fallback.kernelFunc(args);

      const backend = args.backend as WebGpuBackend;
      const reshape = (x: tf.TensorInfo, shape: number[]) =>
        runRegisteredKernel('Reshape', { x }, { shape }, backend);
      const aSliced = reshape(a, [slices, k / slices, m]);
      const bSliced = reshape(b, [slices, k / slices, n]);
      const partials = fallback.kernelFunc({
        ...args,
        inputs: { a: aSliced, b: bSliced },
      }) as tf.TensorInfo;
      backend.disposeData(aSliced.dataId);
      backend.disposeData(bSliced.dataId);
      const outShape = [
        ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
        m,
        n,
      ];
      const out = sumLeadingRows(backend, partials, slices, outShape);
      backend.disposeData(partials.dataId);
      return out;
    },
  };
}
