/**
 * From JPEG coefficients to 8-bit samples: dequantisation and the 8x8 inverse DCT (ITU T.81
 * A.3.3), computed separably in floating point, then level shift (+128), rounding and clamping.
 * libjpeg's default integer IDCT rounds differently, so samples may differ from its output by 1.
 */

/** T[x * 8 + u] = C(u) / 2 * cos((2x + 1) u pi / 16), C(0) = 1 / sqrt(2), else 1. */
const BASIS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++)
    for (let u = 0; u < 8; u++)
      t[x * 8 + u] = ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return t;
})();

/** The zig-zag scan: ZIGZAG[k] is the natural (row-major) index of the k-th coefficient (T.81 A.3.6). */
export const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

/**
 * Turns the quantised coefficients of one block (natural order, `coefficients[at..at+64)`) into
 * 8x8 samples written to `out` at `outAt` with row stride `stride`.
 */
export function inverseDctBlock(
  coefficients: Int16Array,
  at: number,
  quant: Uint16Array,
  out: Uint8Array,
  outAt: number,
  stride: number,
  scratch: Float64Array,
): void {
  // Rows: tmp[v][x] = sum_u T[x][u] F[v][u].
  for (let v = 0; v < 8; v++) {
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let u = 0; u < 8; u++) {
        const f = coefficients[at + v * 8 + u]!;
        if (f !== 0) sum += BASIS[x * 8 + u]! * f * quant[v * 8 + u]!;
      }
      scratch[v * 8 + x] = sum;
    }
  }
  // Columns: f[y][x] = sum_v T[y][v] tmp[v][x], level-shifted and clamped to 0..255.
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let sum = 128;
      for (let v = 0; v < 8; v++) sum += BASIS[y * 8 + v]! * scratch[v * 8 + x]!;
      out[outAt + y * stride + x] = sum <= 0 ? 0 : sum >= 255 ? 255 : Math.round(sum);
    }
  }
}

/** JFIF YCbCr -> RGB (T.871, section 7), rounded and clamped, in place over three 8-bit samples. */
export function ycbcrToRgb(data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 3) {
    const y = data[i]!;
    const cb = data[i + 1]! - 128;
    const cr = data[i + 2]! - 128;
    data[i] = clamp(y + 1.402 * cr);
    data[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    data[i + 2] = clamp(y + 1.772 * cb);
  }
}

function clamp(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
