/**
 * Independent brute-force references for the metric tests: surfaces by coordinate checks, surface
 * distances by an O(n^2) search, numpy's linear percentile by sorting.
 */

/** Coordinates of element `i` in a row-major array of `shape`. */
export function coords(i: number, shape: readonly number[]): number[] {
  const c: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    c.unshift(i % shape[a]!);
    i = Math.floor(i / shape[a]!);
  }
  return c;
}

/** Surface by medpy's rule, via coordinates: foreground with a face neighbour off-mask or outside. */
export function bruteSurface(mask: ArrayLike<number>, shape: readonly number[]): number[] {
  const index = (c: number[]) => c.reduce((acc, v, a) => acc * shape[a]! + v, 0);
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const c = coords(i, shape);
    let border = false;
    for (let a = 0; a < shape.length; a++) {
      for (const d of [-1, 1]) {
        const n = [...c];
        n[a]! += d;
        if (n[a]! < 0 || n[a]! >= shape[a]! || !mask[index(n)]) border = true;
      }
    }
    if (border) out.push(i);
  }
  return out;
}

/** Distance from each `from` element to the nearest `to` element, by exhaustive search. */
export function bruteNearest(
  from: number[],
  to: number[],
  shape: readonly number[],
  spacing: readonly number[],
): number[] {
  return from.map((i) => {
    const ci = coords(i, shape);
    let best = Number.POSITIVE_INFINITY;
    for (const j of to) {
      const cj = coords(j, shape);
      let d2 = 0;
      for (let a = 0; a < shape.length; a++) d2 += ((ci[a]! - cj[a]!) * spacing[a]!) ** 2;
      best = Math.min(best, d2);
    }
    return Math.sqrt(best);
  });
}

/** numpy.percentile (linear) by sorting. */
export function brutePercentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = ((s.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const frac = pos - lo;
  return frac === 0 ? s[lo]! : s[lo]! * (1 - frac) + s[lo + 1]! * frac;
}

/** Surface distances of both directions, pred -> truth and truth -> pred, by brute force. */
function bruteDirectedDistances(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
  spacing: readonly number[],
): [number[], number[]] {
  const sp = bruteSurface(pred, shape);
  const st = bruteSurface(truth, shape);
  return [bruteNearest(sp, st, shape, spacing), bruteNearest(st, sp, shape, spacing)];
}

/** medpy hd95 by brute force: the percentile of both directions pooled. */
export function bruteHd(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
  spacing: readonly number[],
  q = 95,
): number {
  const [ab, ba] = bruteDirectedDistances(pred, truth, shape, spacing);
  return brutePercentile([...ab, ...ba], q);
}

/** MONAI's compute_hausdorff_distance (undirected) by brute force: the larger directed percentile. */
export function bruteHdMonai(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
  spacing: readonly number[],
  q = 95,
): number {
  const [ab, ba] = bruteDirectedDistances(pred, truth, shape, spacing);
  return Math.max(brutePercentile(ab, q), brutePercentile(ba, q));
}

/** A random blob-ish binary mask: thresholded sum of a few random bumps. */
export function randomMask(rand: () => number, shape: readonly number[], fill = 0.4): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const centres = Array.from({ length: 3 }, () => shape.map((d) => rand() * d));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = coords(i, shape);
    let v = 0;
    for (const ctr of centres) v += Math.exp(-c.reduce((acc, x, a) => acc + (x - ctr[a]!) ** 2, 0) / 6);
    out[i] = v + 0.3 * rand() > fill ? 1 : 0;
  }
  return out;
}
