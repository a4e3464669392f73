import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from './errors.js';

/**
 * Index into a relative position bias table (Swin): for a window of windowH x windowW tokens in
 * row-major order, entry [q * n + k] (n = windowH * windowW) is the table row of the offset from
 * key k to query q, (dy + windowH - 1) * (2 windowW - 1) + (dx + windowW - 1). The table has
 * (2 windowH - 1)(2 windowW - 1) rows.
 */
export function relativePositionIndex(windowH: number, windowW: number = windowH): Int32Array {
  const n = windowH * windowW;
  const index = new Int32Array(n * n);
  for (let q = 0; q < n; q++) {
    for (let k = 0; k < n; k++) {
      const dy = Math.floor(q / windowW) - Math.floor(k / windowW);
      const dx = (q % windowW) - (k % windowW);
      index[q * n + k] = (dy + windowH - 1) * (2 * windowW - 1) + (dx + windowW - 1);
    }
  }
  return index;
}

/**
 * The relative position bias [heads, N, N] from a table [R, heads] (R = (2 windowH - 1)(2 windowW - 1)):
 * bias[h, p] = table[index[p], h] for the N * N entries p of {@link relativePositionIndex}, computed as
 * one product table^T S with the one-hot selection S [R, N * N] (kept between calls). The same values
 * as a gather and a transpose (each product has a single non-zero term), in one kernel forward and one
 * in the gradient instead of two and four.
 */
export class RelativePositionBias {
  private readonly windowH: number;
  private readonly windowW: number;
  private selection: tf.Tensor2D | null = null;

  constructor(windowH: number, windowW: number = windowH) {
    this.windowH = windowH;
    this.windowW = windowW;
  }

  /** The bias [heads, N, N] of `table` [R, heads]. */
  apply(table: tf.Tensor): tf.Tensor3D {
    const rows = (2 * this.windowH - 1) * (2 * this.windowW - 1);
    const n = this.windowH * this.windowW;
    if (table.rank !== 2 || table.shape[0] !== rows) {
      throw new ShapeError(
        `relative position bias table must be [${rows}, heads] for ${this.windowH}x${this.windowW} windows, got [${table.shape}]`,
      );
    }
    if (!this.selection) {
      const index = relativePositionIndex(this.windowH, this.windowW);
      const oneHot = new Float32Array(rows * n * n);
      index.forEach((row, p) => {
        oneHot[row * n * n + p] = 1;
      });
      this.selection = tf.keep(tf.tensor2d(oneHot, [rows, n * n]));
    }
    const selection = this.selection;
    return tf.tidy(
      () =>
        tf.reshape(tf.matMul(table as tf.Tensor2D, selection, true, false), [
          table.shape[1]!,
          n,
          n,
        ]) as tf.Tensor3D,
    );
  }

  /** Frees the selection matrix (rebuilt on the next call). */
  dispose(): void {
    this.selection?.dispose();
    this.selection = null;
  }
}
