/**
 * The maths of LCAF as plain functions (BEFUNET.md section 4): multi-head cross-attention, its
 * local (windowed) and global forms, exact GELU and drop-path. The layers in `lcaf.ts` and
 * `global-cross-attention.ts` add the projections, normalisation and residuals.
 */
import {
  type AttentionCoreOptions,
  assertPositiveInteger,
  attentionCore,
  ConfigError,
  dropPath,
  ShapeError,
} from '@befunet/common';
import { fusedAttentionRuns, fusedGridWindowAttention, gelu } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import {
  cyclicShift,
  type WindowGeometry,
  windowAttentionMask,
  windowPartition,
  windowReverse,
} from './local-windows.js';

/** `[X, N, C]` to `[X, heads, N, C / heads]`. */
function splitHeads(x: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [n, len, c] = x.shape;
  return tf.transpose(tf.reshape(x, [n, len, heads, c / heads]), [0, 2, 1, 3]);
}

/**
 * Multi-head attention of already projected queries `[X, Nq, C]` on keys and values `[X, Nk, C]`:
 * per head `softmax(q k^T / sqrt(d_k) + bias + mask) v` with `d_k = C / heads` (the LCA of BEFUNET.md
 * section 4; @befunet/common's attentionCore), heads concatenated back to `[X, Nq, C]`. `bias`
 * (`[heads, Nq, Nk]`) and `mask` (`[nW, Nq, Nk]`, per window of each image) are optional.
 */
export function multiHeadAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  heads: number,
  { bias, mask }: Pick<AttentionCoreOptions, 'bias' | 'mask'> = {},
): tf.Tensor3D {
  const [x, nq, c] = q.shape;
  if (k.shape[0] !== x || k.shape[2] !== c || !tf.util.arraysEqual(k.shape, v.shape)) {
    throw new ShapeError(
      `multiHeadAttention: q [${q.shape}], k [${k.shape}] and v [${v.shape}] must agree on batch and width`,
    );
  }
  assertPositiveInteger(heads, 'heads');
  if (c % heads !== 0) {
    throw new ConfigError(`heads (${heads}) must be a positive divisor of the width ${c}`);
  }
  return tf.tidy(() => {
    const scale = 1 / Math.sqrt(c / heads);
    const split = (t: tf.Tensor3D) => splitHeads(t, heads);
    const out = attentionCore(split(q), split(k), split(v), { scale, bias, mask }); // [X, heads, Nq, d]
    return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [x, nq, c]);
  });
}

/**
 * Global cross-attention (the cost of eq. 11): every query token `[B, L, C]` attends every key
 * token `[B, L', C]`.
 */
export function globalCrossAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  heads: number,
): tf.Tensor3D {
  return multiHeadAttention(q, k, v, heads);
}

/**
 * Local cross-attention (the cost of eq. 10) on a grid already padded to whole windows: `q`, `k`,
 * `v` are `[B, Hp, Wp, C]`. The grid is shifted cyclically, cut into windows, each query attends
 * only the keys of its window that are real (not padding) and, when shifted, from its own region;
 * the result is put back in place: `[B, Hp, Wp, C]`. Outputs at padding positions are meaningless
 * (crop them). `relativeBias` `[heads, N, N]` is added to every window's logits.
 */
export function localCrossAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  geometry: WindowGeometry,
  heads: number,
  relativeBias?: tf.Tensor3D,
): tf.Tensor4D {
  const g = geometry;
  for (const [name, t] of [
    ['k', k],
    ['v', v],
  ] as const) {
    if (!tf.util.arraysEqual(t.shape, q.shape)) {
      throw new ShapeError(`localCrossAttention: ${name} [${t.shape}] must have the shape of q [${q.shape}]`);
    }
  }
  if (q.shape[1] !== g.paddedH || q.shape[2] !== g.paddedW) {
    throw new ShapeError(
      `localCrossAttention: grid ${q.shape[1]}x${q.shape[2]} is not the padded grid ${g.paddedH}x${g.paddedW}`,
    );
  }
  const n = g.windowH * g.windowW;
  if (relativeBias && !tf.util.arraysEqual(relativeBias.shape, [heads, n, n])) {
    throw new ShapeError(`relativeBias must have shape [${heads},${n},${n}], got [${relativeBias.shape}]`);
  }
  const maskValues = windowAttentionMask(g);
  const windows = g.windowsH * g.windowsW;
  if (fusedAttentionRuns(q.dtype, q.shape[3], heads)) {
    // WebGPU: shift, windows and attention in one kernel over the grid (and its gradient).
    return tf.tidy(() => {
      const mask = maskValues && tf.tensor3d(maskValues, [windows, n, n]);
      return fusedGridWindowAttention(
        tf.concat([q, k, v], 3) as tf.Tensor4D,
        relativeBias ?? null,
        mask,
        heads,
        [g.windowH, g.windowW],
        [g.shiftH, g.shiftW],
      );
    });
  }
  return tf.tidy(() => {
    const toWindows = (t: tf.Tensor4D) => windowPartition(cyclicShift(t, g), g);
    const mask = maskValues && tf.tensor3d(maskValues, [windows, n, n]);
    const out = multiHeadAttention(toWindows(q), toWindows(k), toWindows(v), heads, {
      bias: relativeBias,
      mask,
    });
    return cyclicShift(windowReverse(out, g), g, true);
  });
}

export { dropPath, gelu };
