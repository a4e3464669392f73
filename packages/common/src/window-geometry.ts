/**
 * Window geometry shared by Swin, LCAF and the paper graph: the window clipped to the grid and the
 * shift rule that goes with it.
 *
 * Mask constant: the official Swin code and timm fill the shifted-window mask with -100
 * (`attn_mask.masked_fill(attn_mask != 0, -100.0)`); Swin keeps that value, so its outputs are
 * unchanged. LCAF's mask (lcaf/src/local-windows.ts MASKED_LOGIT) is this constant too; it used
 * -1e9, which gave the same outputs on the saved models bit for bit.
 */

/** Additive attention logit between tokens of different shifted regions (official Swin / timm). */
export const SHIFT_MASK_VALUE = -100;

/**
 * The window and shift used on an `h x w` grid: when the grid is not larger than the window
 * (min(h, w) <= M) the window shrinks to min(h, w) and the shift is dropped (one window holds the
 * whole grid, so shifting would change nothing but the mask), as in the official code.
 */
export function clipWindowToGrid(
  h: number,
  w: number,
  windowSize: number,
  shift: number,
): { windowSize: number; shift: number } {
  if (Math.min(h, w) <= windowSize) return { windowSize: Math.min(h, w), shift: 0 };
  return { windowSize, shift };
}
