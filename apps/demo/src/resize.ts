/**
 * Bilinear resampling of an interleaved image with half-pixel centres (output pixel centre
 * (i + 0.5) * in / out - 0.5 in input coordinates, clamped to the edge), as TF's
 * `resize_bilinear(half_pixel_centers=True)` and PyTorch's `interpolate(align_corners=False)`.
 * Plain JavaScript, so that the browser and Node.js give the same bytes for the model.
 */
export function resizeBilinear(
  data: Float32Array,
  [height, width, channels]: [number, number, number],
  [outHeight, outWidth]: [number, number],
): Float32Array {
  const out = new Float32Array(outHeight * outWidth * channels);
  const source = (i: number, size: number, outSize: number) => {
    const x = Math.min(size - 1, Math.max(0, ((i + 0.5) * size) / outSize - 0.5));
    const lo = Math.floor(x);
    return { lo, hi: Math.min(size - 1, lo + 1), t: x - lo };
  };
  for (let y = 0; y < outHeight; y++) {
    const sy = source(y, height, outHeight);
    for (let x = 0; x < outWidth; x++) {
      const sx = source(x, width, outWidth);
      for (let c = 0; c < channels; c++) {
        const at = (yy: number, xx: number) => data[(yy * width + xx) * channels + c]!;
        const top = at(sy.lo, sx.lo) + (at(sy.lo, sx.hi) - at(sy.lo, sx.lo)) * sx.t;
        const bottom = at(sy.hi, sx.lo) + (at(sy.hi, sx.hi) - at(sy.hi, sx.lo)) * sx.t;
        out[(y * outWidth + x) * channels + c] = top + (bottom - top) * sy.t;
      }
    }
  }
  return out;
}
