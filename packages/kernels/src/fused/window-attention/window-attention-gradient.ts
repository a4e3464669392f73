/**
 * The gradient of the fused window attention (fused-window-attention.ts) in three WebGPU kernels.
 *
 * With scores s_ij = q_i . k_j * d^-1/2 + bias[h, i, j] + mask[., i, j], P = softmax_j(s), output
 * o_i = sum_j P_ij v_j and upstream gradient do_i:
 *   dP_ij = do_i . v_j,  D_i = sum_j P_ij dP_ij,  dS_ij = P_ij (dP_ij - D_i)          (softmax)
 *   dq_i = d^-1/2 sum_j dS_ij k_j,  dk_j = d^-1/2 sum_i dS_ij q_i,  dv_j = sum_i P_ij do_i
 *   dbias[h, i, j] = sum over windows of dS_ij (the mask is constant).
 *
 * 1. `BefunetWindowAttentionScores`: a thread per (window, head, query i) recomputes row i of the
 *    scores (no N x N matrix is kept from the forward pass) and writes [P_i. | dS_i.].
 * 2. `BefunetWindowAttentionQkvGrad`: a thread per (window, head, token t) sums row t of dS (dq_t)
 *    and column t of dS and P (dk_t, dv_t), written at token t's place in the qkv layout: on the
 *    grid the shift and window partition are undone by the same index arithmetic as the forward.
 * 3. `BefunetWindowAttentionBiasGrad`: a thread per (head, i, j) sums dS over the windows.
 */

import * as tf from '@tensorflow/tfjs-core';
import { runFlatProgram, type WebGpuBackend } from '../../webgpu/program.js';
import {
  type AttentionAttrs,
  attentionGeometry,
  queryWgsl,
  scoreWgsl,
  TOKEN_POSITION_WGSL,
  windowThreadWgsl,
} from './window-attention-wgsl.js';

export const ATTENTION_SCORES_KERNEL = 'BefunetWindowAttentionScores';
export const ATTENTION_QKV_GRAD_KERNEL = 'BefunetWindowAttentionQkvGrad';
export const ATTENTION_BIAS_GRAD_KERNEL = 'BefunetWindowAttentionBiasGrad';

/** [P_i. | dS_i.] of one (window, head, query i): three passes over the keys. */
function scoresWgsl(d4: number): string {
  return `${windowThreadWgsl(d4, 'i')}${queryWgsl(d4)}
    var upstream : array<vec4<f32>, ${d4}>;
    for (var t = 0; t < ${d4}; t++) {
      upstream[t] = dy[query * uniforms.channels4 + head + t];
    }
    var best = -3.4e38;
    var total = 0.0;
    for (var j = 0; j < uniforms.tokens; j++) {${scoreWgsl(d4, 's')}
      let top = max(best, s);
      total = total * exp(best - top) + exp(s - top);
      best = top;
    }
    var rowDot = 0.0;
    for (var j = 0; j < uniforms.tokens; j++) {${scoreWgsl(d4, 's')}
      var dp = 0.0;
      for (var t = 0; t < ${d4}; t++) {
        dp += dot(upstream[t], qkv[key_s + uniforms.channels4 + t]);
      }
      rowDot += exp(s - best) / total * dp;
    }
    let out = index * 2 * uniforms.tokens;
    for (var j = 0; j < uniforms.tokens; j++) {${scoreWgsl(d4, 's')}
      var dp = 0.0;
      for (var t = 0; t < ${d4}; t++) {
        dp += dot(upstream[t], qkv[key_s + uniforms.channels4 + t]);
      }
      let p = exp(s - best) / total;
      result[out + j] = p;
      result[out + uniforms.tokens + j] = p * (dp - rowDot);
    }`;
}

/** dq, dk, dv of one (window, head, token t), from the [P | dS] rows of its window and head. */
function qkvGradWgsl(d4: number): string {
  return `${windowThreadWgsl(d4, 'tok')}
    let n = uniforms.tokens;
    let block = (w * uniforms.heads + h) * n * 2 * n;
    var dq : array<vec4<f32>, ${d4}>;
    var dk : array<vec4<f32>, ${d4}>;
    var dv : array<vec4<f32>, ${d4}>;
    for (var j = 0; j < n; j++) {
      let other = tokenPosition(image, originRow, originCol, j);
      let dsRow = scores[block + tok * 2 * n + n + j];
      let dsCol = scores[block + j * 2 * n + n + tok];
      let pCol = scores[block + j * 2 * n + tok];
      for (var t = 0; t < ${d4}; t++) {
        dq[t] += dsRow * qkv[other * row + uniforms.channels4 + head + t];
        dk[t] += dsCol * qkv[other * row + head + t];
        dv[t] += pCol * dy[other * uniforms.channels4 + head + t];
      }
    }
    let at = tokenPosition(image, originRow, originCol, tok) * row + head;
    for (var t = 0; t < ${d4}; t++) {
      result[at + t] = dq[t] * uniforms.scale;
      result[at + uniforms.channels4 + t] = dk[t] * uniforms.scale;
      result[at + 2 * uniforms.channels4 + t] = dv[t];
    }`;
}

const BIAS_GRAD_WGSL = `
    let n = uniforms.tokens;
    let j = index % n;
    let i = (index / n) % n;
    let h = index / (n * n);
    var sum = 0.0;
    for (var w = 0; w < uniforms.windows; w++) {
      sum += scores[((w * uniforms.heads + h) * n + i) * 2 * n + n + j];
    }
    result[index] = sum;`;

/** The three WebGPU kernels of the gradient, registered with the forward kernel on its first call. */
export const WINDOW_ATTENTION_GRADIENT_KERNELS: tf.KernelConfig[] = [
  {
    kernelName: ATTENTION_SCORES_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { qkv, bias, mask, dy } = inputs as Record<string, tf.TensorInfo>;
      const g = attentionGeometry(qkv!, bias, mask, attrs as unknown as AttentionAttrs);
      const { heads } = attrs as unknown as AttentionAttrs;
      return runFlatProgram(
        backend as WebGpuBackend,
        {
          kernelName: ATTENTION_SCORES_KERNEL,
          key: `window_attention_scores_${g.headWidth / 4}`,
          inputs: [
            { name: 'qkv', components: 4 },
            { name: 'bias', components: 1 },
            { name: 'mask', components: 1 },
            { name: 'dy', components: 4 },
          ],
          outputShape: [g.windows, heads, g.tokens, 2 * g.tokens],
          threads: g.windows * heads * g.tokens,
          uniforms: g.uniforms,
          functions: TOKEN_POSITION_WGSL,
          body: scoresWgsl(g.headWidth / 4),
        },
        // An absent bias or mask is bound to a stand-in the kernel does not read.
        [qkv!, bias ?? qkv!, mask ?? qkv!, dy!],
      );
    },
  },

  {
    kernelName: ATTENTION_QKV_GRAD_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { qkv, scores, dy } = inputs as Record<string, tf.TensorInfo>;
      const g = attentionGeometry(qkv!, undefined, undefined, attrs as unknown as AttentionAttrs);
      const { heads } = attrs as unknown as AttentionAttrs;
      return runFlatProgram(
        backend as WebGpuBackend,
        {
          kernelName: ATTENTION_QKV_GRAD_KERNEL,
          key: `window_attention_qkv_grad_${g.headWidth / 4}`,
          inputs: [
            { name: 'qkv', components: 4 },
            { name: 'scores', components: 1 },
            { name: 'dy', components: 4 },
          ],
          outputShape: [...qkv!.shape],
          outputComponents: 4,
          threads: g.windows * heads * g.tokens,
          uniforms: g.uniforms,
          functions: TOKEN_POSITION_WGSL,
          body: qkvGradWgsl(g.headWidth / 4),
        },
        [qkv!, scores!, dy!],
      );
    },
  },

  {
    kernelName: ATTENTION_BIAS_GRAD_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { scores } = inputs as { scores: tf.TensorInfo };
      const [windows, heads, n] = scores.shape as [number, number, number, number];
      return runFlatProgram(
        backend as WebGpuBackend,
        {
          kernelName: ATTENTION_BIAS_GRAD_KERNEL,
          key: 'window_attention_bias_grad',
          inputs: [{ name: 'scores', components: 1 }],
          outputShape: [heads, n, n],
          threads: heads * n * n,
          uniforms: [
            ['tokens', n],
            ['heads', heads],
            ['windows', windows],
          ],
          body: BIAS_GRAD_WGSL,
        },
        [scores],
      );
    },
  },
];

/**
 * The gradients of the fused window attention with respect to qkv (its shape) and the relative
 * position bias [heads, N, N] (null without one), given the upstream gradient `dy` of its output.
 */
export function windowAttentionGradient(
  qkv: tf.Tensor,
  bias: tf.Tensor | null,
  mask: tf.Tensor | null,
  dy: tf.Tensor,
  attrs: AttentionAttrs,
): [tf.Tensor, tf.Tensor | null] {
  const run = (kernel: string, inputs: tf.NamedTensorMap) =>
    tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  const scores = run(ATTENTION_SCORES_KERNEL, {
    qkv,
    dy,
    ...(bias ? { bias } : {}),
    ...(mask ? { mask } : {}),
  });
  const dqkv = run(ATTENTION_QKV_GRAD_KERNEL, { qkv, scores, dy });
  const dbias = bias ? run(ATTENTION_BIAS_GRAD_KERNEL, { scores }) : null;
  scores.dispose();
  return [dqkv, dbias];
}
