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
