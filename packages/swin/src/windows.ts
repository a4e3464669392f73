/**
 * Window geometry of the Swin Transformer (BEFUNET.md section 3): partition of an NHWC map into
 * non-overlapping M x M windows and back, the cyclic shift of SW-MSA, the shifted-window attention
 * mask and the relative position index. Plain functions, usable without a layer.
 */

import {
  assertPositiveInteger,
  assertRank,
  clipWindowToGrid,
  relativePositionIndex,
  SHIFT_MASK_VALUE,
  ShapeError,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

/** Additive attention mask value between tokens from different regions (the official -100). */
export { SHIFT_MASK_VALUE };

function checkGrid(h: number, w: number, windowSize: number, what: string): void {
  assertPositiveInteger(windowSize, `${what}: windowSize`, ShapeError);
  if (h % windowSize !== 0 || w % windowSize !== 0) {
    throw new ShapeError(
      `${what}: grid ${h}x${w} is not divisible by the window size ${windowSize} ` +
        '(pad the input so that each side is a multiple of the window, or no larger than it)',
    );
  }
}

/**
 * Splits `x` [B, H, W, C] into windows [B * (H/M) * (W/M), M, M, C]; windows are ordered batch
 * first, then window row, then window column (the order of the official `window_partition`).
 */
export function windowPartition(x: tf.Tensor4D, windowSize: number): tf.Tensor4D {
  assertRank(x, 4, 'windowPartition input');
  const [b, h, w, c] = x.shape;
  checkGrid(h, w, windowSize, 'windowPartition');
  const m = windowSize;
  return tf.tidy(() => {
    const r = tf.reshape(x, [b * (h / m), m, w / m, m, c]);
    return tf.reshape(tf.transpose(r, [0, 2, 1, 3, 4]), [-1, m, m, c]) as tf.Tensor4D;
  });
}

/** Inverse of {@link windowPartition}: windows [B * nW, M, M, C] back to the map [B, H, W, C]. */
export function windowReverse(windows: tf.Tensor4D, windowSize: number, h: number, w: number): tf.Tensor4D {
  assertRank(windows, 4, 'windowReverse input');
  checkGrid(h, w, windowSize, 'windowReverse');
  const m = windowSize;
  const [n, wh, ww, c] = windows.shape;
  const perImage = (h / m) * (w / m);
  if (wh !== m || ww !== m || n % perImage !== 0) {
    throw new ShapeError(
      `windowReverse: windows of shape [${windows.shape.join(',')}] do not tile a ${h}x${w} grid with window ${m}`,
    );
  }
  const b = n / perImage;
  return tf.tidy(() => {
    const r = tf.reshape(windows, [b * (h / m), w / m, m, m, c]);
    return tf.reshape(tf.transpose(r, [0, 2, 1, 3, 4]), [b, h, w, c]) as tf.Tensor4D;
  });
}

/**
 * Attention mask of SW-MSA for an H x W grid (already cyclically shifted by -shift), flattened
 * [nW, M^2, M^2] with nW = (H/M)(W/M) in window order: 0 where query and key come from the same
 * region of the unshifted map, {@link SHIFT_MASK_VALUE} otherwise. Rows and columns are each cut
 * into the three regions [0, H-M), [H-M, H-shift), [H-shift, H) as in the official code.
 */
export function shiftWindowMask(h: number, w: number, windowSize: number, shift: number): Float32Array {
  checkGrid(h, w, windowSize, 'shiftWindowMask');
  const m = windowSize;
  if (!(shift > 0 && shift < m)) {
    throw new ShapeError(`shiftWindowMask: shift must be in (0, ${m}), got ${shift}`);
  }
  const region = (i: number, size: number) => (i < size - m ? 0 : i < size - shift ? 1 : 2);
  const n = m * m;
  const nWh = h / m;
  const nWw = w / m;
  const out = new Float32Array(nWh * nWw * n * n);
  const ids = new Int32Array(n);
  for (let a = 0; a < nWh; a++) {
    for (let b = 0; b < nWw; b++) {
      for (let t = 0; t < n; t++) {
        ids[t] = region(a * m + Math.floor(t / m), h) * 3 + region(b * m + (t % m), w);
      }
      const base = (a * nWw + b) * n * n;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) out[base + i * n + j] = ids[i] === ids[j] ? 0 : SHIFT_MASK_VALUE;
      }
    }
  }
  return out;
}

/**
 * The additive attention mask of a block on an H x W grid with window M and cyclic shift `shift`,
 * when the grid is zero-padded at the bottom and right to Hp x Wp (multiples of M): [nW, M^2, M^2]
 * over the padded, shifted grid, with {@link SHIFT_MASK_VALUE} where the query and key come from
 * different shift regions (as {@link shiftWindowMask}) or where the key is a padding token, so that
 * no real token ever attends to padding. Returns null when neither applies (plain W-MSA).
 */
export function windowAttentionMask(
  h: number,
  w: number,
  windowSize: number,
  shift: number,
): { mask: Float32Array; paddedH: number; paddedW: number } | null {
  const m = windowSize;
  assertPositiveInteger(m, 'windowAttentionMask: windowSize', ShapeError);
  if (!(shift >= 0 && shift < m))
    throw new ShapeError(`windowAttentionMask: shift must be in [0, ${m}), got ${shift}`);
  const hp = Math.ceil(h / m) * m;
  const wp = Math.ceil(w / m) * m;
  if (shift === 0 && hp === h && wp === w) return null;
  const region = (i: number, size: number) => (shift === 0 ? 0 : i < size - m ? 0 : i < size - shift ? 1 : 2);
  const n = m * m;
  const nWh = hp / m;
  const nWw = wp / m;
  const mask = new Float32Array(nWh * nWw * n * n);
  const ids = new Int32Array(n);
  const pad = new Uint8Array(n);
  for (let a = 0; a < nWh; a++) {
    for (let b = 0; b < nWw; b++) {
      for (let t = 0; t < n; t++) {
        const r = a * m + Math.floor(t / m); // position in the shifted, padded grid
        const c = b * m + (t % m);
        ids[t] = region(r, hp) * 3 + region(c, wp);
        // Rolled by -shift: shifted[r] = original[(r + shift) mod Hp].
        pad[t] = (r + shift) % hp >= h || (c + shift) % wp >= w ? 1 : 0;
      }
      const base = (a * nWw + b) * n * n;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          mask[base + i * n + j] = ids[i] !== ids[j] || pad[j] ? SHIFT_MASK_VALUE : 0;
        }
      }
    }
  }
  return { mask, paddedH: hp, paddedW: wp };
}

/** The window and shift a block uses on an H x W grid (the shared rule of `@befunet/common`). */
export const effectiveWindow = clipWindowToGrid;

export { relativePositionIndex };
