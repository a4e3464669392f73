import { describe, expect, it } from 'vitest';
import { clipWindowToGrid, SHIFT_MASK_VALUE } from './window-geometry.js';

describe('clipWindowToGrid', () => {
  it('keeps window and shift on a grid larger than the window', () => {
    expect(clipWindowToGrid(56, 56, 7, 3)).toEqual({ windowSize: 7, shift: 3 });
  });
  it('shrinks the window to the grid and drops the shift when min(h, w) <= M', () => {
    expect(clipWindowToGrid(7, 7, 7, 3)).toEqual({ windowSize: 7, shift: 0 });
    expect(clipWindowToGrid(4, 9, 7, 3)).toEqual({ windowSize: 4, shift: 0 });
  });
  it('uses the official Swin mask value -100', () => {
    expect(SHIFT_MASK_VALUE).toBe(-100);
  });
});
