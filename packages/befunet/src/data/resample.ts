/**
 * Resampling a sample through an affine map of pixel indices: the image bilinearly, the label by
 * nearest neighbour (labels are class ids, never blended). Resizing, rotations, rot90 and flips
 * are all such maps, so they share this one loop.
 *
 * Coordinates are pixel indices: pixel (r, c) has its centre at (r, c), the image covers
 * [-0.5, H - 0.5] x [-0.5, W - 0.5]. For every output pixel (r, c) the map gives the source position
 *   srcRow = rr * r + rc * c + r0,   srcCol = cr * r + cc * c + c0
 * (an inverse map: output -> input), where the image is interpolated:
 *   bilinear: i0 = floor(srcRow), fy = srcRow - i0 (same for columns),
 *     v = (1-fy)(1-fx) I[i0,j0] + (1-fy) fx I[i0,j0+1] + fy (1-fx) I[i0+1,j0] + fy fx I[i0+1,j0+1]
 *   nearest: L[round(srcRow), round(srcCol)], round(x) = floor(x + 0.5 + 1e-9): halves round up,
 *     also where the map's rounding error puts them a hair below (e.g. resizing 2 -> 103 rows).
 * Edges: 'clamp' clamps the source position to [0, H-1] x [0, W-1] (TF's resize with half-pixel
 * centres); 'zero' reads 0 outside the image (image and label: a rotation fills with background).
 * Integer positions (rot90, flips) reproduce the input values exactly.
 */
import type { SegmentationSample } from './dataset.js';

/** 0.5 and a tolerance for the rounding error of the map, for nearest-neighbour rounding. */
const HALF = 0.5 + 1e-9;

/** An inverse affine map, output pixel (r, c) -> source position (srcRow, srcCol); see the file comment. */
export interface PixelMap {
  readonly rr: number;
  readonly rc: number;
  readonly r0: number;
  readonly cr: number;
  readonly cc: number;
  readonly c0: number;
}

/** What happens to source positions outside the image: clamped to it, or read as 0. */
export type ResampleEdge = 'clamp' | 'zero';

/** `sample` resampled to `height` x `width` through `map` (new arrays; the input is not changed). */
export function resampleSample(
  sample: SegmentationSample,
  height: number,
  width: number,
  map: PixelMap,
  edge: ResampleEdge,
): SegmentationSample {
  const { height: h, width: w, channels: ch, image: src, label: srcLabel } = sample;
  const image = new Float32Array(height * width * ch);
  const label = new Int32Array(height * width);
  const clamp = edge === 'clamp';
  const inside = (i: number, n: number) => i >= 0 && i < n;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      let y = map.rr * r + map.rc * c + map.r0;
      let x = map.cr * r + map.cc * c + map.c0;
      if (clamp) {
        y = Math.min(Math.max(y, 0), h - 1);
        x = Math.min(Math.max(x, 0), w - 1);
      }
      const out = r * width + c;
      const ny = Math.floor(y + HALF);
      const nx = Math.floor(x + HALF);
      if (inside(ny, h) && inside(nx, w)) label[out] = srcLabel[ny * w + nx]!;
      const i0 = Math.floor(y);
      const j0 = Math.floor(x);
      const fy = y - i0;
      const fx = x - j0;
      // The four neighbours and their weights; a neighbour outside the image (only possible
      // with edge 'zero', or with weight 0 at the last row/column under 'clamp') adds nothing.
      for (let k = 0; k < 4; k++) {
        const i = i0 + (k >> 1);
        const j = j0 + (k & 1);
        const weight = (k >> 1 ? fy : 1 - fy) * (k & 1 ? fx : 1 - fx);
        if (weight === 0 || !inside(i, h) || !inside(j, w)) continue;
        const from = (i * w + j) * ch;
        for (let q = 0; q < ch; q++) image[out * ch + q]! += weight * src[from + q]!;
      }
    }
  }
  return { image, label, height, width, channels: ch, id: sample.id };
}
