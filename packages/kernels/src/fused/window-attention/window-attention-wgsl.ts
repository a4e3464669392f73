/**
 * WGSL shared by the fused window-attention kernels (forward and gradient): where a window's tokens
 * sit on the grid, the per-thread decoding of (window, head, token), the attention score, and the
 * uniforms they all read. See fused-window-attention.ts for the layouts.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Grid position (flat, in rows of the qkv/result arrays) of token `t` of a window at `origin`. */
export const TOKEN_POSITION_WGSL = `
  fn tokenPosition(image : i32, originRow : i32, originCol : i32, t : i32) -> i32 {
    let r = (originRow + t / uniforms.windowW) % uniforms.gridH;
    let c = (originCol + t % uniforms.windowW) % uniforms.gridW;
    return (image * uniforms.gridH + r) * uniforms.gridW + c;
  }`;

/**
 * Decodes a (window w, head h, token `token`) thread from `index`, and gives window w's image and
 * origin on the grid (unshifted frame), the qkv row length `row` and the head's first lane `head`.
 */
export function windowThreadWgsl(d4: number, token: string): string {
  return `
    let ${token} = index % uniforms.tokens;
    let rest = index / uniforms.tokens;
    let h = rest % uniforms.heads;
    let w = rest / uniforms.heads;
    let perRow = uniforms.gridW / uniforms.windowW;
    let perImage = perRow * (uniforms.gridH / uniforms.windowH);
    let image = w / perImage;
    let originRow = ((w % perImage) / perRow) * uniforms.windowH + uniforms.shiftH;
    let originCol = ((w % perImage) % perRow) * uniforms.windowW + uniforms.shiftW;
    let row = 3 * uniforms.channels4;
    let head = h * ${d4};`;
}

/**
 * `var NAME = ` the score of query `i` (its scaled q in the local array `q`) and key `j`:
 * q_i . k_j + bias[h, i, j] (if any) + mask[w mod nW, i, j] (if any; `biasRow`, `maskRow` index row i).
 */
export function scoreWgsl(d4: number, name: string): string {
  return `
      let key_${name} = tokenPosition(image, originRow, originCol, j) * row + uniforms.channels4 + head;
      var ${name} = 0.0;
      if (uniforms.hasBias > 0) {
        ${name} += bias[biasRow + j];
      }
      if (uniforms.maskWindows > 0) {
        ${name} += mask[maskRow + j];
      }
      for (var t = 0; t < ${d4}; t++) {
        ${name} += dot(q[t], qkv[key_${name} + t]);
      }`;
}

/** Loads the scaled query of token i into `q`, and the bias and mask rows of query i. */
export function queryWgsl(d4: number): string {
  return `
    let query = tokenPosition(image, originRow, originCol, i);
    var q : array<vec4<f32>, ${d4}>;
    for (var t = 0; t < ${d4}; t++) {
      q[t] = qkv[query * row + head + t] * uniforms.scale;
    }
    let biasRow = (h * uniforms.tokens + i) * uniforms.tokens;
    var maskRow = 0;
    if (uniforms.maskWindows > 0) {
      maskRow = ((w % uniforms.maskWindows) * uniforms.tokens + i) * uniforms.tokens;
    }`;
}

/** The kernels' attributes: heads, window sides, cyclic shifts (0 for windows already partitioned). */
export interface AttentionAttrs {
  heads: number;
  windowH: number;
  windowW: number;
  shiftH: number;
  shiftW: number;
}

export interface AttentionGeometry {
  /** Windows over all images. */
  windows: number;
  /** Tokens per window. */
  tokens: number;
  channels: number;
  headWidth: number;
  uniforms: [string, number, ('i32' | 'f32')?][];
}

/** The shapes and uniforms of an attention over qkv [Bw, N, 3C] or [B, H, W, 3C]. */
export function attentionGeometry(
  qkv: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  mask: tf.TensorInfo | undefined,
  attrs: AttentionAttrs,
): AttentionGeometry {
  const { heads, windowH, windowW } = attrs;
  // Windows [Bw, N, 3C] are grids of one window each.
  const [images, gridH, gridW, c3] = (
    qkv.shape.length === 3 ? [qkv.shape[0], windowH, windowW, qkv.shape[2]] : qkv.shape
  ) as [number, number, number, number];
  const channels = c3 / 3;
  const headWidth = channels / heads;
  const tokens = windowH * windowW;
  return {
    windows: images * (gridH / windowH) * (gridW / windowW),
    tokens,
    channels,
    headWidth,
    uniforms: [
      ['tokens', tokens],
      ['heads', heads],
      ['channels4', channels / 4],
      ['maskWindows', mask ? mask.shape[0]! : 0],
      ['hasBias', bias ? 1 : 0],
      ['scale', headWidth ** -0.5, 'f32'],
      ['gridH', gridH],
      ['gridW', gridW],
      ['windowH', windowH],
      ['windowW', windowW],
      ['shiftH', attrs.shiftH],
      ['shiftW', attrs.shiftW],
    ],
  };
}
