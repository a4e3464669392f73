import { ConfigError, SHIFT_MASK_VALUE, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, TOLERANCE } from '../../testing/src/index.ts';
import {
  cropToGrid,
  cyclicShift,
  MASKED_LOGIT,
  padToWindows,
  relativePositionIndex,
  toPair,
  windowAttentionMask,
  windowGeometry,
  windowPartition,
  windowReverse,
} from './local-windows.js';

/** [B, H, W, C] whose value encodes its position: b*1000 + y*100 + x*10 + c. */
function positions(b: number, h: number, w: number, c: number): tf.Tensor4D {
  const v = new Float32Array(b * h * w * c);
  let i = 0;
  for (let n = 0; n < b; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) v[i++] = n * 1000 + y * 100 + x * 10 + k;
  return tf.tensor4d(v, [b, h, w, c]);
}

describe('window geometry', () => {
  it('pads to whole windows and drops the shift along single-window axes', () => {
    expect(windowGeometry(5, 7, [3, 4], [1, 2])).toEqual({
      height: 5,
      width: 7,
      windowH: 3,
      windowW: 4,
      shiftH: 1,
      shiftW: 2,
      paddedH: 6,
      paddedW: 8,
      windowsH: 2,
      windowsW: 2,
    });
    const single = windowGeometry(4, 9, [7, 3], [3, 1]);
    expect([single.shiftH, single.shiftW, single.paddedH, single.windowsW]).toEqual([0, 1, 7, 3]);
  });

  it('rejects bad windows, shifts and grids', () => {
    expect(() => windowGeometry(4, 4, [2, 2], [2, 0])).toThrow(ConfigError);
    expect(() => windowGeometry(0, 4, [2, 2])).toThrow(ShapeError);
    expect(() => toPair(-1, 'window')).toThrow(/window must be a positive integer/);
    expect(() => toPair([1.5, 2], 'window')).toThrow(ConfigError);
    expect(toPair(0, 'shift', true)).toEqual([0, 0]);
    expect(toPair([2, 3], 'window')).toEqual([2, 3]);
  });

  it('partitions row-major windows, batch first, and reverses exactly', async () => {
    const g = windowGeometry(4, 6, [2, 3]);
    const x = positions(2, 4, 6, 1);
    const windows = windowPartition(x, g);
    expect(windows.shape).toEqual([2 * 2 * 2, 6, 1]);
    // Window 3 of batch 0 is rows 2-3, columns 3-5; window 4 is batch 1's first.
    const expected3 = [230, 240, 250, 330, 340, 350];
    await expectClose(tf.slice(windows, [3, 0, 0], [1, 6, 1]), expected3, TOLERANCE.exact, 'window 3');
    await expectClose(tf.slice(windows, [4, 0, 0], [1, 1, 1]), [1000], TOLERANCE.exact, 'window 4');
    await expectClose(windowReverse(windows, g), x, TOLERANCE.exact, 'reverse');
    tf.dispose([x, windows]);
  });

  it('shifts cyclically and back, pads and crops', async () => {
    const g = windowGeometry(4, 6, [2, 3], [1, 2]);
    const x = positions(1, 4, 6, 1);
    const shifted = cyclicShift(x, g);
    // out[i, j] = x[(i + 1) mod 4, (j + 2) mod 6]
    await expectClose(
      tf.slice(shifted, [0, 3, 4, 0], [1, 1, 2, 1]),
      [(0 * 100 + 0) * 10, (0 * 100 + 1) * 10],
      TOLERANCE.exact,
      'shifted corner',
    );
    await expectClose(cyclicShift(shifted, g, true), x, TOLERANCE.exact, 'unshifted');
    const gp = windowGeometry(3, 5, [2, 2]);
    const padded = padToWindows(tf.slice(x, [0, 0, 0, 0], [1, 3, 5, 1]), gp);
    expect(padded.shape).toEqual([1, 4, 6, 1]);
    await expectClose(
      tf.slice(padded, [0, 3, 0, 0], [1, 1, 6, 1]),
      new Array(6).fill(0),
      TOLERANCE.exact,
      'padding',
    );
    await expectClose(
      cropToGrid(padded, gp),
      tf.slice(x, [0, 0, 0, 0], [1, 3, 5, 1]),
      TOLERANCE.exact,
      'crop',
    );
    tf.dispose([x, shifted, padded]);
  });

  it('leaks no tensor', async () => {
    const g = windowGeometry(3, 5, [2, 2], [1, 1]);
    const x = positions(1, 3, 5, 2);
    // Each function cleans up after itself: only the outputs stay (disposed here).
    await expectNoLeak(() => {
      const steps = [padToWindows(x, g)];
      steps.push(cyclicShift(steps[0]!, g));
      const windows = windowPartition(steps[1]!, g);
      steps.push(windowReverse(windows, g));
      steps.push(cyclicShift(steps[2]!, g, true));
      const out = cropToGrid(steps[3]!, g);
      tf.dispose([...steps, windows]);
      return out;
    });
    x.dispose();
  });

  it("masks with the window geometry's one constant, -100 as Swin and the official code", () => {
    expect(MASKED_LOGIT).toBe(SHIFT_MASK_VALUE);
    expect(MASKED_LOGIT).toBe(-100);
  });

  it('masks padding keys and keys from another region (hand-checked)', () => {
    // 3x3 grid, 2x2 windows: padded to 4x4, column 3 and row 3 are padding.
    const mask = windowAttentionMask(windowGeometry(3, 3, [2, 2]))!;
    const at = (w: number, q: number, k: number) => mask[w * 16 + q * 4 + k];
    expect([0, 1, 2, 3].map((k) => at(0, 0, k))).toEqual([0, 0, 0, 0]);
    expect([0, 1, 2, 3].map((k) => at(1, 2, k))).toEqual([0, MASKED_LOGIT, 0, MASKED_LOGIT]);
    expect([0, 1, 2, 3].map((k) => at(3, 0, k))).toEqual([0, MASKED_LOGIT, MASKED_LOGIT, MASKED_LOGIT]);
    // 4x4 grid, 2x2 windows shifted by 1: the last window holds the four corners, none related.
    const shifted = windowAttentionMask(windowGeometry(4, 4, [2, 2], [1, 1]))!;
    const corner = (q: number, k: number) => shifted[3 * 16 + q * 4 + k];
    for (let q = 0; q < 4; q++)
      for (let k = 0; k < 4; k++) expect(corner(q, k)).toBe(q === k ? 0 : MASKED_LOGIT);
    expect(shifted.subarray(0, 16).every((v) => v === 0)).toBe(true);
    expect(windowAttentionMask(windowGeometry(4, 4, [2, 2]))).toBeNull();
  });

  it('indexes the relative position table (hand-checked, 2x2 window)', () => {
    // Table rows (dy + 1) * 3 + (dx + 1), positions 0:(0,0) 1:(0,1) 2:(1,0) 3:(1,1).
    expect(Array.from(relativePositionIndex(2, 2))).toEqual([4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]);
    const index = relativePositionIndex(3, 4);
    expect(Math.max(...index)).toBe(5 * 7 - 1);
    expect(Math.min(...index)).toBe(0);
  });
});
