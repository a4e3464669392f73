/**
 * Window attention from the qkv projection to the merged heads in one WebGPU kernel, for inference:
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
 * mask, softmax, transpose). Training keeps the TF.js ops, whose gradients TF.js has.
 */
import { formatShape, runFlatProgram, ShapeError, type WebGpuBackend } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

/** The name of the fused WebGPU kernel. */
export const WINDOW_ATTENTION_KERNEL = 'BefunetWindowAttention';

/** Grid position (flat, in rows of the qkv/result arrays) of token `t` of a window at `origin`. */
const TOKEN_POSITION_WGSL = `
  fn tokenPosition(image : i32, originRow : i32, originCol : i32, t : i32) -> i32 {
    let r = (originRow + t / uniforms.window) % uniforms.gridH;
    let c = (originCol + t % uniforms.window) % uniforms.gridW;
    return (image * uniforms.gridH + r) * uniforms.gridW + c;
  }`;

/** WGSL of one (window, head, query) thread; `d4` = d / 4 vec4 lanes per head. */
function attentionWgsl(d4: number): string {
  return `
    let i = index % uniforms.tokens;
    var rest = index / uniforms.tokens;
    let h = rest % uniforms.heads;
    let w = rest / uniforms.heads;
    // Window w: image, and its origin on the grid in the unshifted frame.
    let perRow = uniforms.gridW / uniforms.window;
    let perImage = perRow * (uniforms.gridH / uniforms.window);
    let image = w / perImage;
    let originRow = ((w % perImage) / perRow) * uniforms.window + uniforms.shift;
    let originCol = ((w % perImage) % perRow) * uniforms.window + uniforms.shift;
    let row = 3 * uniforms.channels4;
    let head = h * ${d4};
    let query = tokenPosition(image, originRow, originCol, i);
    var q : array<vec4<f32>, ${d4}>;
    for (var t = 0; t < ${d4}; t++) {
      q[t] = qkv[query * row + head + t] * uniforms.scale;
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
      let key = tokenPosition(image, originRow, originCol, j) * row + uniforms.channels4 + head;
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
    let out = query * uniforms.channels4 + head;
    for (var t = 0; t < ${d4}; t++) {
      result[out + t] = acc[t] / total;
    }`;
}

tf.registerKernel({
  kernelName: WINDOW_ATTENTION_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { qkv, bias, mask } = inputs as { qkv: tf.TensorInfo; bias: tf.TensorInfo; mask?: tf.TensorInfo };
    const { heads, window, shift } = attrs as { heads: number; window: number; shift: number };
    // Windows [Bw, N, 3C] are grids of one window each.
    const [images, gridH, gridW, c3] = (
      qkv.shape.length === 3 ? [qkv.shape[0], window, window, qkv.shape[2]] : qkv.shape
    ) as [number, number, number, number];
    const c = c3 / 3;
    const d = c / heads;
    const n = window * window;
    const windows = images * (gridH / window) * (gridW / window);
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
        outputShape: [...qkv.shape.slice(0, -1), c],
        outputComponents: 4,
        threads: windows * heads * n,
        uniforms: [
          ['tokens', n],
          ['heads', heads],
          ['channels4', c / 4],
          ['maskWindows', mask ? mask.shape[0]! : 0],
          ['scale', d ** -0.5, 'f32'],
          ['gridH', gridH],
          ['gridW', gridW],
          ['window', window],
          ['shift', shift],
        ],
        functions: TOKEN_POSITION_WGSL,
        body: attentionWgsl(d / 4),
      },
      // Without a mask the bias stands in for it (unread).
      [qkv, bias, mask ?? bias],
    );
  },
});

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

function runAttention(
  qkv: tf.Tensor,
  bias: tf.Tensor3D,
  mask: tf.Tensor | null,
  attrs: { heads: number; window: number; shift: number },
): tf.Tensor {
  const inputs: tf.NamedTensorMap = mask ? { qkv, bias, mask } : { qkv, bias };
  return tf.engine().runKernel(WINDOW_ATTENTION_KERNEL, inputs, attrs) as tf.Tensor;
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
  const window = Math.round(Math.sqrt(qkv.shape[1]));
  return runAttention(qkv, bias, mask, { heads, window, shift: 0 }) as tf.Tensor3D;
}

/**
 * Shifted-window attention straight on the grid: qkv [B, H, W, 3C] (the projection of every grid
 * position), windows of side `window` after a cyclic shift by -`shift`, relative position bias
 * [heads, N, N] (N = window^2) and optional mask [nW, N, N] with nW = (H / window)(W / window) in the
 * shifted frame's window order: [B, H, W, C], heads merged, at the queries' own grid positions. The
 * same as shift, partition, {@link fusedWindowAttention}, reverse and shift back. Inference only.
 */
export function fusedGridWindowAttention(
  qkv: tf.Tensor4D,
  bias: tf.Tensor3D,
  mask: tf.Tensor3D | null,
  heads: number,
  window: number,
  shift: number,
): tf.Tensor4D {
  const [, h, w] = qkv.shape;
  const n = window * window;
  const windows = (h / window) * (w / window);
  if (h % window !== 0 || w % window !== 0)
    throw new ShapeError(`grid ${h}x${w} does not divide into ${window}x${window} windows`);
  if (!Number.isInteger(shift) || shift < 0 || shift >= window)
    throw new ShapeError(`shift must be an integer in [0, ${window}), got ${shift}`);
  if (bias.shape[0] !== heads || bias.shape[1] !== n || bias.shape[2] !== n)
    throw new ShapeError(`bias must be [${heads}, ${n}, ${n}], got ${formatShape(bias.shape)}`);
  if (mask && (mask.shape[0] !== windows || mask.shape[1] !== n || mask.shape[2] !== n))
    throw new ShapeError(`mask must be [${windows}, ${n}, ${n}], got ${formatShape(mask.shape)}`);
  return runAttention(qkv, bias, mask, { heads, window, shift }) as tf.Tensor4D;
}
