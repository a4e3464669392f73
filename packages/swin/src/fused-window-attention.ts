/**
 * Window attention from the qkv projection to the merged heads in one WebGPU kernel, for inference:
 * out[w, i, (h, :)] = softmax_j(q_i . k_j * d^-1/2 + bias[h, i, j] + mask[w mod nW, i, j]) v_j, with
 * q, k, v read from qkv [Bw, N, 3C] in the official (q|k|v, head, d) channel layout.
 *
 * One thread per (window, head, query) walks the N keys once with a running softmax (the maximum so
 * far and the sum of exponentials, rescaled when the maximum grows), so the N x N scores are never
 * stored. It replaces nine kernels per block (transpose, unstack, two batched products, scale, bias,
 * mask, softmax, transpose). Training keeps the TF.js ops, whose gradients TF.js has.
 */
import { runFlatProgram, type WebGpuBackend } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

/** The name of the fused WebGPU kernel. */
export const WINDOW_ATTENTION_KERNEL = 'BefunetWindowAttention';

/** WGSL of one (window, head, query) thread; `d4` = d / 4 vec4 lanes per head. */
function attentionWgsl(d4: number): string {
  return `
    let i = index % uniforms.tokens;
    var rest = index / uniforms.tokens;
    let h = rest % uniforms.heads;
    let w = rest / uniforms.heads;
    let row = 3 * uniforms.channels4;
    let base = w * uniforms.tokens * row + h * ${d4};
    var q : array<vec4<f32>, ${d4}>;
    for (var t = 0; t < ${d4}; t++) {
      q[t] = qkv[base + i * row + t] * uniforms.scale;
    }
    var best = -3.4e38;
    var total = 0.0;
    var acc : array<vec4<f32>, ${d4}>;
    let biasRow = (h * uniforms.tokens + i) * uniforms.tokens;
    var maskRow = 0;
    if (uniforms.maskWindows > 0) {
      maskRow = ((w % uniforms.maskWindows) * uniforms.tokens + i) * uniforms.tokens;
    }
    for (var j = 0; j < uniforms.tokens; j++) {
      let key = base + j * row + uniforms.channels4;
      var s = bias[biasRow + j];
      if (uniforms.maskWindows > 0) {
        s += mask[maskRow + j];
      }
      for (var t = 0; t < ${d4}; t++) {
        s += dot(q[t], qkv[key + t]);
      }
      let top = max(best, s);
      let rescale = exp(best - top);
      let p = exp(s - top);
      total = total * rescale + p;
      for (var t = 0; t < ${d4}; t++) {
        acc[t] = acc[t] * rescale + p * qkv[key + uniforms.channels4 + t];
      }
      best = top;
    }
    let out = (w * uniforms.tokens + i) * uniforms.channels4 + h * ${d4};
    for (var t = 0; t < ${d4}; t++) {
      result[out + t] = acc[t] / total;
    }`;
}

tf.registerKernel({
  kernelName: WINDOW_ATTENTION_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { qkv, bias, mask } = inputs as { qkv: tf.TensorInfo; bias: tf.TensorInfo; mask?: tf.TensorInfo };
    const { heads } = attrs as { heads: number };
    const [bw, n, c3] = qkv.shape as [number, number, number];
    const c = c3 / 3;
    const d = c / heads;
    return runFlatProgram(
      backend as WebGpuBackend,
      {
        kernelName: WINDOW_ATTENTION_KERNEL,
        key: `window_attention_${d / 4}`,
        inputs: [
          { name: 'qkv', components: 4 },
          { name: 'bias', components: 1 },
          { name: 'mask', components: 1 },
        ],
        outputShape: [bw, n, c],
        outputComponents: 4,
        threads: bw * heads * n,
        uniforms: [
          ['tokens', n],
          ['heads', heads],
          ['channels4', c / 4],
          ['maskWindows', mask ? mask.shape[0]! : 0],
          ['scale', d ** -0.5, 'f32'],
        ],
        body: attentionWgsl(d / 4),
      },
      // Without a mask the bias stands in for it (unread).
      [qkv, bias, mask ?? bias],
    );
  },
});

/** Whether {@link fusedWindowAttention} runs as one kernel here (WebGPU, float32, d divisible by 4). */
export function canFuseWindowAttention(qkv: tf.Tensor, heads: number): boolean {
  const c = qkv.shape[2]! / 3;
  return tf.getBackend() === 'webgpu' && qkv.dtype === 'float32' && (c / heads) % 4 === 0;
}

/**
 * Attention of windows from their qkv projection [Bw, N, 3C], relative position bias [heads, N, N]
 * and optional mask [nW, N, N] (nW dividing Bw): [Bw, N, C], heads merged. Inference only (no
 * gradient); see {@link canFuseWindowAttention}.
 */
export function fusedWindowAttention(
  qkv: tf.Tensor3D,
  bias: tf.Tensor3D,
  mask: tf.Tensor | null,
  heads: number,
): tf.Tensor3D {
  const inputs: tf.NamedTensorMap = mask ? { qkv, bias, mask } : { qkv, bias };
  return tf.engine().runKernel(WINDOW_ATTENTION_KERNEL, inputs, { heads }) as tf.Tensor3D;
}
