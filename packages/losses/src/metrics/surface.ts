/**
 * Surface (border) elements of a binary mask, as medpy defines them: the mask minus its erosion by
 * the face-connected cross (4-connectivity in 2D, 6 in 3D), with everything outside the array
 * counted as background (so a mask touching the array's edge has a surface there).
 */
import { checkMaskShape } from './mask.js';

/** 1 where `mask` is non-zero and has a face neighbour that is zero or outside the array. */
export function surface(mask: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  checkMaskShape(shape, mask.length, 'surface');
  const out = new Uint8Array(mask.length);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    let border = false;
    for (let a = 0; a < shape.length && !border; a++) {
      const stride = strides[a]!;
      const c = Math.floor(i / stride) % shape[a]!;
      if (c === 0 || c === shape[a]! - 1) border = true;
      else if (!mask[i - stride] || !mask[i + stride]) border = true;
    }
    if (border) out[i] = 1;
  }
  return out;
}
