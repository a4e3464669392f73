import { ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, loadFixture, TOLERANCE } from '../../testing/src/index.ts';
import {
  effectiveWindow,
  relativePositionIndex,
  SHIFT_MASK_VALUE,
  shiftWindowMask,
  windowAttentionMask,
  windowPartition,
  windowReverse,
} from './windows.js';

const MODEL = 'official/official_mini.safetensors';
const SWIN = 'All2Cross.pyramid.swin_transformer.';

describe('relativePositionIndex', () => {
  it('matches the hand-computed 2x2 window', () => {
    // Tokens (0,0) (0,1) (1,0) (1,1); entry = (dh + 1) * 3 + (dw + 1).
    expect([...relativePositionIndex(2)]).toEqual([4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]);
  });

  it('matches the official 7x7 index', () => {
    const entry = loadFixture(MODEL).tensors.get(`${SWIN}layers.0.blocks.0.attn.relative_position_index`)!;
    expect(entry.shape).toEqual([49, 49]);
    expect([...relativePositionIndex(7)]).toEqual([...entry.values]);
  });
});

describe('shiftWindowMask', () => {
  it('matches the hand-computed 4x4 grid, window 2, shift 1', () => {
    const X = SHIFT_MASK_VALUE;
    // Region ids per window (rows cut at 2 and 3, columns likewise; id = 3 * row + col region):
    // w0: [0,0,0,0]; w1: [1,2,1,2]; w2: [3,3,6,6]; w3: [4,5,7,8].
    const expected = [
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, X, 0, X, X, 0, X, 0, 0, X, 0, X, X, 0, X, 0],
      [0, 0, X, X, 0, 0, X, X, X, X, 0, 0, X, X, 0, 0],
      [0, X, X, X, X, 0, X, X, X, X, 0, X, X, X, X, 0],
    ].flat();
    expect([...shiftWindowMask(4, 4, 2, 1)]).toEqual(expected);
  });

  it('matches the official masks (56x56 and 14x14 grids, window 7, shift 3)', () => {
    const tensors = loadFixture(MODEL).tensors;
    for (const [k, side] of [
      [0, 56],
      [2, 14],
    ] as const) {
      const entry = tensors.get(`${SWIN}layers.${k}.blocks.1.attn_mask`)!;
      expect(entry.shape).toEqual([(side / 7) ** 2, 49, 49]);
      expect([...shiftWindowMask(side, side, 7, 3)]).toEqual([...entry.values]);
    }
  });

  it('refuses a shift outside (0, M) and a grid not divisible by the window', () => {
    expect(() => shiftWindowMask(4, 4, 2, 0)).toThrow(ShapeError);
    expect(() => shiftWindowMask(6, 4, 4, 2)).toThrow(/not divisible/);
  });
});

describe('windowAttentionMask', () => {
  it('is null for plain W-MSA on a divisible grid and equals shiftWindowMask when shifted', () => {
    expect(windowAttentionMask(4, 4, 2, 0)).toBeNull();
    const shifted = windowAttentionMask(8, 6, 2, 1)!;
    expect([shifted.paddedH, shifted.paddedW]).toEqual([8, 6]);
    expect([...shifted.mask]).toEqual([...shiftWindowMask(8, 6, 2, 1)]);
  });

  it('masks padding keys (hand case: 3x4 grid, window 2, padded to 4x4)', () => {
    const X = SHIFT_MASK_VALUE;
    const found = windowAttentionMask(3, 4, 2, 0)!;
    expect([found.paddedH, found.paddedW]).toEqual([4, 4]);
    // Windows 0 and 1 hold real rows 0-1; windows 2 and 3 hold row 2 (real) and row 3 (padding):
    // their keys 2 and 3 (the window's second row) are masked for every query.
    const bottom = [0, 0, X, X, 0, 0, X, X, 0, 0, X, X, 0, 0, X, X];
    expect([...found.mask]).toEqual([...new Array(32).fill(0), ...bottom, ...bottom]);
  });

  it('masks padding keys in the shifted frame (hand case: 1x3 grid, window 2, shift 1)', () => {
    const X = SHIFT_MASK_VALUE;
    // Padded to 2x4: row 1 and column 3 are padding. Rolled by -1 on both axes, shifted row 0 is
    // original row 1 (padding) and shifted row 1 is original row 0; shifted column c is original
    // column (c + 1) % 4. Window 0 (cols 0-1): keys at original (0,1) and (0,2) are real, both in
    // row region 2 and column region 0. Window 1 (cols 2-3): original (0,3) pad, (0,0) real.
    const found = windowAttentionMask(1, 3, 2, 1)!;
    expect([found.paddedH, found.paddedW]).toEqual([2, 4]);
    const w0 = found.mask.subarray(0, 16);
    const w1 = found.mask.subarray(16, 32);
    // Tokens in window order (shifted row, col): t0 (0,0), t1 (0,1) pad rows; t2 (1,0) = orig (0,1), t3 (1,1) = orig (0,2).
    expect([...w0]).toEqual([X, X, X, X, X, X, X, X, X, X, 0, 0, X, X, 0, 0]);
    // Window 1: t2 (1,2) = orig (0,3) pad, t3 (1,3) = orig (0,0); columns 2 and 3 are regions 1 and 2.
    expect([...w1]).toEqual([X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, 0]);
  });
});

describe('window partition and reverse', () => {
  // x[0, h, w, 0] = 10 h + w on a 4x4 grid (2 channels, the second is the negative).
  const grid = () => {
    const v: number[] = [];
    for (let h = 0; h < 4; h++) for (let w = 0; w < 4; w++) v.push(10 * h + w, -(10 * h + w));
    return tf.tensor4d(v, [1, 4, 4, 2]);
  };

  it('orders windows row by row and tokens row-major inside each window', async () => {
    const x = grid();
    const windows = windowPartition(x, 2);
    expect(windows.shape).toEqual([4, 2, 2, 2]);
    const firstChannel = tf.slice(windows, [0, 0, 0, 0], [-1, -1, -1, 1]);
    await expectClose(
      firstChannel,
      [0, 1, 10, 11, 2, 3, 12, 13, 20, 21, 30, 31, 22, 23, 32, 33],
      TOLERANCE.exact,
      'windows',
    );
    await expectClose(windowReverse(windows, 2, 4, 4), x, TOLERANCE.exact, 'reverse');
    tf.dispose([x, windows, firstChannel]);
  });

  it('round-trips a batch of rectangular maps', async () => {
    const x = tf.randomNormal([2, 6, 9, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const windows = windowPartition(x, 3);
    expect(windows.shape).toEqual([12, 3, 3, 3]);
    await expectClose(windowReverse(windows, 3, 6, 9), x, TOLERANCE.exact, 'round trip');
    tf.dispose([x, windows]);
  });

  it('refuses grids the window does not divide', () => {
    const x = tf.zeros([1, 6, 6, 1]) as tf.Tensor4D;
    expect(() => windowPartition(x, 4)).toThrow(ShapeError);
    expect(() => windowReverse(tf.zeros([4, 2, 2, 1]) as tf.Tensor4D, 2, 6, 6)).toThrow(ShapeError);
    x.dispose();
  });
});

describe('effectiveWindow', () => {
  it('shrinks the window to the grid and drops the shift when the grid is not larger', () => {
    expect(effectiveWindow(56, 56, 7, 3)).toEqual({ windowSize: 7, shift: 3 });
    expect(effectiveWindow(7, 7, 7, 3)).toEqual({ windowSize: 7, shift: 0 });
    expect(effectiveWindow(4, 8, 7, 3)).toEqual({ windowSize: 4, shift: 0 });
  });
});
