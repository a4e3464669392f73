/**
 * Cost formulas of BEFUNET.md section 4 (the paper's eq. 10 and 11), in multiply-adds as the
 * paper counts them, for an `h x w` map of `c` channels.
 */

/** Eq. 11, global cross-attention: `4 h w C^2 + 2 (h w)^2 C`. */
export function flopsGlobalCrossAttention(h: number, w: number, c: number): number {
  return 4 * h * w * c * c + 2 * (h * w) ** 2 * c;
}

/** Eq. 10, local cross-attention in `hl x wl` windows: `4 h w C^2 + 2 (hl wl) h w C`. */
export function flopsLocalCrossAttention(h: number, w: number, c: number, hl: number, wl: number): number {
  return 4 * h * w * c * c + 2 * hl * wl * h * w * c;
}
