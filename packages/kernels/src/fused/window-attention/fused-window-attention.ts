/**
 * Window attention from the qkv projection to the merged heads in one WebGPU kernel:
 * out[w, i, (h, :)] = softmax_j(q_i . k_j * d^-1/2 + bias[h, i, j] + mask[w mod nW, i, j]) v_j, with
 * q, k, v read from qkv in the official (q|k|v, head, d) channel layout.
 *
 * The tokens come either as windows, qkv [Bw, N, 3C], or straight from the grid, qkv [B, H, W, 3C]:
 * then window w's token t sits at grid position (w's origin + (t / M, t mod M) + shift) mod (H, W),
 * which is Swin's cyclic shift by -shift followed by the window partition (eq. of section 3.1), and
 * the output goes back to the query's grid position (partition reversed, shift undone). On the grid
 * the four kernels around the attention (shift, partition, reverse, shift back) are not needed.
 *
 * One thread per (window, head, query) walks the N keys once with a running softmax (the maximum so
 * far and the sum of exponentials, rescaled when the maximum grows), so the N x N scores are never
 * stored. It replaces nine kernels per block (transpose, unstack, two batched products, scale, bias,
 * mask, softmax, transpose). Its gradient with respect to qkv and the bias is three kernels
 * (window-attention-gradient.ts) that recompute the scores instead of keeping them.
 */

import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../../checks.js';
import { ShapeError } from '../../errors.js';
import { ownKernels } from '../../own-kernels.js';
import { runFlatProgram, type WebGpuBackend } from '../../webgpu/program.js';
import { WINDOW_ATTENTION_GRADIENT_KERNELS, windowAttentionGradient } from './window-attention-gradient.js';
import {
  type AttentionAttrs,
  attentionGeometry,
  queryWgsl,
  scoreWgsl,
  TOKEN_POSITION_WGSL,
  windowThreadWgsl,
} from './window-attention-wgsl.js';

export type { AttentionAttrs };

/** The name of the fused WebGPU kernel. */
export const WINDOW_ATTENTION_KERNEL = 'BefunetWindowAttention';

/** WGSL of one (window, head, query) thread; `d4` = d / 4 vec4 lanes per head. */
function attentionWgsl(d4: number): string {
  return `${windowThreadWgsl(d4, 'i')}${queryWgsl(d4)}
    var best = -3.4e38;
    var total = 0.0;
    var acc : array<vec4<f32>, ${d4}>;
    for (var j = 0; j < uniforms.tokens; j++) {${scoreWgsl(d4, 's')}
      let top = max(best, s);
      let rescale = exp(best - top);
      let p = exp(s - top);
      total = total * rescale + p;
      for (var t = 0; t < ${d4}; t++) {
        acc[t] = acc[t] * rescale + p * qkv[key_s + uniforms.channels4 + t];
      }
      best = top;
    }
    let out = query * uniforms.channels4 + head;
    for (var t = 0; t < ${d4}; t++) {
      result[out + t] = acc[t] / total;
    }`;
}

const windowAttentionKernel: tf.KernelConfig = {
  kernelName: WINDOW_ATTENTION_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { qkv, bias, mask } = inputs as { qkv: tf.TensorInfo; bias?: tf.TensorInfo; mask?: tf.TensorInfo };
    const geometry = attentionGeometry(qkv, bias, mask, attrs as unknown as AttentionAttrs);
    const heads = (attrs as unknown as AttentionAttrs).heads;
    return runFlatProgram(
      backend as WebGpuBackend,
      {
        kernelName: WINDOW_ATTENTION_KERNEL,
        key: `window_attention_${geometry.headWidth / 4}`,
        inputs: [
          { name: 'qkv', components: 4 },
          { name: 'bias', components: 1 },
          { name: 'mask', components: 1 },
        ],
        outputShape: [...qkv.shape.slice(0, -1), geometry.channels],
        outputComponents: 4,
        threads: geometry.windows * heads * geometry.tokens,
        uniforms: geometry.uniforms,
        functions: TOKEN_POSITION_WGSL,
        body: attentionWgsl(geometry.headWidth / 4),
      },
      // An absent bias or mask is bound to a stand-in the kernel does not read.
      [qkv, bias ?? qkv, mask ?? qkv],
    );
  },
};

const ensureWindowAttentionKernels = ownKernels([
  windowAttentionKernel,
  ...WINDOW_ATTENTION_GRADIENT_KERNELS,
]);

/**
 * Whether the fused kernel runs here for this qkv projection (last axis 3C): WebGPU, float32, head
 * width d = C / heads divisible by 4.
 */
export function canFuseWindowAttention(qkv: tf.Tensor, heads: number): boolean {
  return fusedAttentionRuns(qkv.dtype, qkv.shape.at(-1)! / 3, heads);
}

/** Whether the fused kernel runs here for `channels` = C split into `heads` heads of `dtype`. */
export function fusedAttentionRuns(dtype: tf.DataType, channels: number, heads: number): boolean {
  return tf.getBackend() === 'webgpu' && dtype === 'float32' && (channels / heads) % 4 === 0;
}

/** The fused attention, differentiable in qkv and bias (window-attention-gradient.ts); the mask is constant. */
function runAttention(
  qkv: tf.Tensor,
  bias: tf.Tensor3D | null,
  mask: tf.Tensor | null,
  attrs: AttentionAttrs,
): tf.Tensor {
  ensureWindowAttentionKernels();
  const op = tf.customGrad((...args: (tf.Tensor | ((saved: tf.Tensor[]) => void))[]) => {
    const tensors = args.filter((a): a is tf.Tensor => a instanceof tf.Tensor);
    const save = args.find((a) => typeof a === 'function') as (saved: tf.Tensor[]) => void;
    const [q, b] = tensors as [tf.Tensor, tf.Tensor | undefined];
    // The mask too is saved: the backward pass may run after the caller's scope has freed it.
    save([q, b ?? q, mask ?? q]);
    const inputs: tf.NamedTensorMap = { qkv: q, ...(b ? { bias: b } : {}), ...(mask ? { mask } : {}) };
    const value = tf
      .engine()
      .runKernel(WINDOW_ATTENTION_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], [savedQkv, savedBias, savedMask]: tf.Tensor[]) => {
      const [dqkv, dbias] = windowAttentionGradient(
        savedQkv!,
        b ? savedBias! : null,
        mask ? savedMask! : null,
        dy as tf.Tensor,
        attrs,
      );
      return dbias ? [dqkv, dbias] : [dqkv];
    };
    return { value, gradFunc };
  });
  return bias ? op(qkv, bias) : op(qkv);
}

/**
 * Attention of windows from their qkv projection [Bw, N, 3C], relative position bias [heads, N, N]
 * and optional mask [nW, N, N] (nW dividing Bw): [Bw, N, C], heads merged; differentiable in qkv
 * and bias. WebGPU only, see {@link canFuseWindowAttention}.
 */
export function fusedWindowAttention(
  qkv: tf.Tensor3D,
  bias: tf.Tensor3D,
  mask: tf.Tensor | null,
  heads: number,
): tf.Tensor3D {
  const window = Math.round(Math.sqrt(qkv.shape[1]));
  const attrs = { heads, windowH: window, windowW: window, shiftH: 0, shiftW: 0 };
  return runAttention(qkv, bias, mask, attrs) as tf.Tensor3D;
}

/**
 * Shifted-window attention straight on the grid: qkv [B, H, W, 3C] (the projection of every grid
 * position), windows of `window` (side, or [rows, columns]) after a cyclic shift by -`shift` (the
 * same or per axis: out[i, j] reads [i + shiftH, j + shiftW]), optional relative position bias
 * [heads, N, N] (N tokens per window) and optional mask [nW, N, N], nW windows per image in the
 * shifted frame's row-major order: [B, H, W, C], heads merged, at the queries' own grid positions.
 * The same as shift, partition, {@link fusedWindowAttention}, reverse and shift back;
 * differentiable in qkv and bias. WebGPU only.
 */
export function fusedGridWindowAttention(
  qkv: tf.Tensor4D,
  bias: tf.Tensor3D | null,
  mask: tf.Tensor3D | null,
  heads: number,
  window: number | readonly [number, number],
  shift: number | readonly [number, number],
): tf.Tensor4D {
  const [, h, w, c3] = qkv.shape;
  const [windowH, windowW] = typeof window === 'number' ? [window, window] : window;
  const [shiftH, shiftW] = typeof shift === 'number' ? [shift, shift] : shift;
  const n = windowH * windowW;
  const windows = (h / windowH) * (w / windowW);
  if (h % windowH !== 0 || w % windowW !== 0)
    throw new ShapeError(`grid ${h}x${w} does not divide into ${windowH}x${windowW} windows`);
  for (const [s, side] of [
    [shiftH, windowH],
    [shiftW, windowW],
  ]) {
    if (!Number.isInteger(s) || s! < 0 || s! >= side!)
      throw new ShapeError(`shift must be an integer in [0, ${side}), got ${s}`);
  }
  if (c3 % (3 * heads * 4) !== 0)
    throw new ShapeError(`qkv [${qkv.shape}] must hold 3 x ${heads} heads of a width divisible by 4`);
  if (bias && (bias.shape[0] !== heads || bias.shape[1] !== n || bias.shape[2] !== n))
    throw new ShapeError(`bias must be [${heads}, ${n}, ${n}], got ${formatShape(bias.shape)}`);
  if (mask && (mask.shape[0] !== windows || mask.shape[1] !== n || mask.shape[2] !== n))
    throw new ShapeError(`mask must be [${windows}, ${n}, ${n}], got ${formatShape(mask.shape)}`);
  return runAttention(qkv, bias, mask, { heads, windowH, windowW, shiftH, shiftW }) as tf.Tensor4D;
}
