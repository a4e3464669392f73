/**
 * Window geometry of local cross-attention (BEFUNET.md section 4): padding a grid to whole
 * windows, cyclic shifts, window partition and reverse, the attention mask that keeps padding
 * and (for shifted windows) wrapped-around regions out of the attention, and the relative
 * position index.
 *
 * Shapes are NHWC: `[B, H, W, C]`. Windows are `wh x ww` tokens, `N = wh * ww` per window, and
 * windows are ordered row-major over the (padded) grid, batch first: `[B * nH * nW, N, C]`.
 */
import {
  assertIntegerPair,
  assertNonNegativeInteger,
  assertPositiveInteger,
  ConfigError,
  relativePositionIndex,
  SHIFT_MASK_VALUE,
  ShapeError,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Additive attention logit for a forbidden pair (another shifted region, or a padding key): the
 * window geometry's one mask constant, SHIFT_MASK_VALUE (-100, as Swin and the official code).
 * LCAF used -1e9 before; exp(-100) is below float32's resolution next to the unmasked terms, so
 * outputs on the saved models are unchanged (checked bit for bit on test-fixtures/main-models).
 */
export const MASKED_LOGIT = SHIFT_MASK_VALUE;

/** Everything that depends on the grid and the window configuration. */
export interface WindowGeometry {
  /** Real grid. */
  readonly height: number;
  readonly width: number;
  /** Window size in tokens. */
  readonly windowH: number;
  readonly windowW: number;
  /** Effective cyclic shift (0 along an axis that holds a single window). */
  readonly shiftH: number;
  readonly shiftW: number;
  /** Grid padded (bottom and right) to whole windows. */
  readonly paddedH: number;
  readonly paddedW: number;
  /** Windows along each axis. */
  readonly windowsH: number;
  readonly windowsW: number;
}

/** Normalises `n` or `[h, w]` into a pair of positive integers. */
export function toPair(value: number | readonly number[], what: string, allowZero = false): [number, number] {
  if (typeof value !== 'number') return assertIntegerPair(value, what, allowZero ? 0 : 1);
  (allowZero ? assertNonNegativeInteger : assertPositiveInteger)(value, what);
  return [value, value];
}

/**
 * The geometry of an `height x width` grid cut into `window` windows shifted by `shift`.
 * The shift must be smaller than the window; it is dropped along an axis where the padded grid
 * holds a single window (shifting would change nothing but the mask).
 */
export function windowGeometry(
  height: number,
  width: number,
  window: readonly [number, number],
  shift: readonly [number, number] = [0, 0],
): WindowGeometry {
  assertIntegerPair([height, width], 'grid', 1, ShapeError);
  const [windowH, windowW] = window;
  if (shift[0] >= windowH || shift[1] >= windowW) {
    throw new ConfigError(`shift [${shift}] must be smaller than the window [${window}] along each axis`);
  }
  const windowsH = Math.ceil(height / windowH);
  const windowsW = Math.ceil(width / windowW);
  return {
    height,
    width,
    windowH,
    windowW,
    shiftH: windowsH > 1 ? shift[0] : 0,
    shiftW: windowsW > 1 ? shift[1] : 0,
    paddedH: windowsH * windowH,
    paddedW: windowsW * windowW,
    windowsH,
    windowsW,
  };
}

/** True when the geometry pads the grid. */
export function hasPadding(g: WindowGeometry): boolean {
  return g.paddedH !== g.height || g.paddedW !== g.width;
}

/** Zero-pads `[B, H, W, C]` at the bottom and right to `[B, Hp, Wp, C]`. */
export function padToWindows(x: tf.Tensor4D, g: WindowGeometry): tf.Tensor4D {
  if (!hasPadding(g)) return x;
  return tf.pad(x, [
    [0, 0],
    [0, g.paddedH - g.height],
    [0, g.paddedW - g.width],
    [0, 0],
  ]);
}

/** Inverse of `padToWindows`: `[B, Hp, Wp, C]` to `[B, H, W, C]`. */
export function cropToGrid(x: tf.Tensor4D, g: WindowGeometry): tf.Tensor4D {
  if (!hasPadding(g)) return x;
  return tf.slice(x, [0, 0, 0, 0], [-1, g.height, g.width, -1]);
}

/** Cyclic shift along one axis: `out[i] = x[(i + by) mod n]` (by may be negative). */
function rollAxis(x: tf.Tensor4D, axis: 1 | 2, by: number): tf.Tensor4D {
  const n = x.shape[axis];
  const s = ((by % n) + n) % n;
  if (s === 0) return x;
  const [head, tail] = tf.split(x, [s, n - s], axis);
  return tf.concat([tail!, head!], axis) as tf.Tensor4D;
}

/**
 * Shifts the grid up and left by the geometry's shift (`out[i, j] = x[i + sh, j + sw]`, cyclic),
 * or back when `inverse`. Shifted windows are the regular windows of the shifted grid.
 */
export function cyclicShift(x: tf.Tensor4D, g: WindowGeometry, inverse = false): tf.Tensor4D {
  const sign = inverse ? -1 : 1;
  return tf.tidy(() => rollAxis(rollAxis(x, 1, sign * g.shiftH), 2, sign * g.shiftW));
}

/** `[B, Hp, Wp, C]` to windows `[B * nH * nW, wh * ww, C]`, row-major within and across windows. */
export function windowPartition(x: tf.Tensor4D, g: WindowGeometry): tf.Tensor3D {
  const [b, hp, wp, c] = x.shape;
  if (hp !== g.paddedH || wp !== g.paddedW) {
    throw new ShapeError(
      `windowPartition: grid ${hp}x${wp} is not the padded grid ${g.paddedH}x${g.paddedW}`,
    );
  }
  return tf.tidy(() => {
    const t = tf.reshape(x, [b * g.windowsH, g.windowH, g.windowsW, g.windowW * c]);
    const windows = tf.transpose(t, [0, 2, 1, 3]); // [B*nH, nW, wh, ww*C]
    return tf.reshape(windows, [b * g.windowsH * g.windowsW, g.windowH * g.windowW, c]);
  });
}

/** Inverse of `windowPartition`: `[B * nH * nW, N, C]` to `[B, Hp, Wp, C]`. */
export function windowReverse(windows: tf.Tensor3D, g: WindowGeometry): tf.Tensor4D {
  const [n, , c] = windows.shape;
  const b = n / (g.windowsH * g.windowsW);
  return tf.tidy(() => {
    const t = tf.reshape(windows, [b * g.windowsH, g.windowsW, g.windowH, g.windowW * c]);
    return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [b, g.paddedH, g.paddedW, c]);
  });
}

/** Region of a shifted coordinate along one axis: tokens from different regions were not neighbours. */
function region(shifted: number, padded: number, window: number, shift: number): number {
  if (shift === 0) return 0;
  if (shifted < padded - window) return 0;
  return shifted < padded - shift ? 1 : 2;
}

const maskCache = new Map<string, Float32Array | null>();

/**
 * Additive attention mask `[nH * nW, N * N]` (`0` or `MASKED_LOGIT`), for windows of the shifted
 * grid: a key is forbidden when it is padding or, with a shift, comes from another region than
 * the query (it wrapped around the border). `null` when nothing is masked. Cached per geometry.
 */
export function windowAttentionMask(g: WindowGeometry): Float32Array | null {
  const key = JSON.stringify(g);
  if (maskCache.has(key)) return maskCache.get(key)!;
  let mask: Float32Array | null = null;
  if (hasPadding(g) || g.shiftH > 0 || g.shiftW > 0) {
    const n = g.windowH * g.windowW;
    mask = new Float32Array(g.windowsH * g.windowsW * n * n);
    const rowOf = new Int32Array(n);
    const colOf = new Int32Array(n);
    for (let wy = 0; wy < g.windowsH; wy++) {
      for (let wx = 0; wx < g.windowsW; wx++) {
        const base = (wy * g.windowsW + wx) * n * n;
        const regionOf = new Int32Array(n);
        const padding = new Uint8Array(n);
        for (let t = 0; t < n; t++) {
          const sy = wy * g.windowH + Math.floor(t / g.windowW); // coordinates in the shifted grid
          const sx = wx * g.windowW + (t % g.windowW);
          rowOf[t] = (sy + g.shiftH) % g.paddedH; // coordinates in the original (padded) grid
          colOf[t] = (sx + g.shiftW) % g.paddedW;
          regionOf[t] =
            region(sy, g.paddedH, g.windowH, g.shiftH) * 3 + region(sx, g.paddedW, g.windowW, g.shiftW);
          padding[t] = rowOf[t]! >= g.height || colOf[t]! >= g.width ? 1 : 0;
        }
        for (let q = 0; q < n; q++) {
          for (let k = 0; k < n; k++) {
            if (padding[k] || regionOf[q] !== regionOf[k]) mask[base + q * n + k] = MASKED_LOGIT;
          }
        }
      }
    }
  }
  if (maskCache.size > 64) maskCache.clear();
  maskCache.set(key, mask);
  return mask;
}

export { relativePositionIndex };
