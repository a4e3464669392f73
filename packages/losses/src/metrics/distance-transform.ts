/**
 * Exact Euclidean distance transform with anisotropic spacing (Felzenszwalb & Huttenlocher,
 * "Distance Transforms of Sampled Functions", 2012): separable 1D lower envelopes of parabolas,
 * O(n) per axis. Equals scipy's `distance_transform_edt(~features, sampling=spacing)`.
 */
import { checkMaskShape, resolveSpacing } from './mask.js';

/**
 * 1D squared distance transform in place on `f` (length n, stride `stride` from `offset`):
 * `d(p) = min_q f(q) + (s (p - q))^2`. Infinite entries are not parabolas (no feature there).
 */
function transform1d(
  f: Float64Array,
  offset: number,
  stride: number,
  n: number,
  s: number,
  buf: { v: Int32Array; z: Float64Array; g: Float64Array },
): void {
  const { v, z, g } = buf;
  for (let i = 0; i < n; i++) g[i] = f[offset + i * stride]!;
  const s2 = s * s;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = g[q]!;
    if (fq === Number.POSITIVE_INFINITY) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = Number.NEGATIVE_INFINITY;
      z[1] = Number.POSITIVE_INFINITY;
      continue;
    }
    for (;;) {
      const r = v[k]!;
      // Abscissa (in index units) where the parabolas rooted at q and r intersect.
      const x = (fq + s2 * q * q - (g[r]! + s2 * r * r)) / (2 * s2 * (q - r));
      if (x <= z[k]! && k > 0) {
        k--;
        continue;
      }
      if (x <= z[k]!) {
        // k === 0 and q dominates r everywhere: replace it.
        v[0] = q;
        z[0] = Number.NEGATIVE_INFINITY;
        z[1] = Number.POSITIVE_INFINITY;
        break;
      }
      k++;
      v[k] = q;
      z[k] = x;
      z[k + 1] = Number.POSITIVE_INFINITY;
      break;
    }
  }
  if (k < 0) return; // no feature on this line: stays infinite
  let j = 0;
  for (let p = 0; p < n; p++) {
    while (z[j + 1]! < p) j++;
    const r = v[j]!;
    const d = s * (p - r);
    f[offset + p * stride] = d * d + g[r]!;
  }
}

/**
 * Squared Euclidean distance (in units of `spacing`) from every element to the nearest element
 * where `features` is non-zero; `Infinity` everywhere when there is none.
 */
export function squaredDistanceTransform(
  features: ArrayLike<number>,
  shape: readonly number[],
  spacing?: number | readonly number[],
): Float64Array {
  checkMaskShape(shape, features.length, 'squaredDistanceTransform');
  const s = resolveSpacing(spacing, shape.length, 'squaredDistanceTransform');
  const f = new Float64Array(features.length);
  for (let i = 0; i < f.length; i++) f[i] = features[i] ? 0 : Number.POSITIVE_INFINITY;
  const maxN = Math.max(...shape);
  const buf = { v: new Int32Array(maxN), z: new Float64Array(maxN + 1), g: new Float64Array(maxN) };
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis]!;
    const stride = strides[axis]!;
    // Every line along `axis`: offsets whose coordinate on `axis` is 0.
    for (let block = 0; block < f.length; block += n * stride) {
      for (let inner = 0; inner < stride; inner++) transform1d(f, block + inner, stride, n, s[axis]!, buf);
    }
  }
  return f;
}

/** Euclidean distance transform: the square root of {@link squaredDistanceTransform}. */
export function distanceTransform(
  features: ArrayLike<number>,
  shape: readonly number[],
  spacing?: number | readonly number[],
): Float64Array {
  const d = squaredDistanceTransform(features, shape, spacing);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]!);
  return d;
}
