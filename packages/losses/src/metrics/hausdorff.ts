/**
 * Surface distances and the (percentile) Hausdorff distance in the field's two conventions:
 * medpy's `hd` / `hd95` (the default, the official evaluation's) takes the percentile of the
 * distances of both directions pooled; MONAI's `compute_hausdorff_distance` takes the larger of the
 * two directed percentiles. They agree at percentile 100 and differ below it.
 */
import { ConfigError } from '@befunet/common';
import { assertBinary } from '../targets.js';
import { distanceTransform } from './distance-transform.js';
import { checkMaskShape, checkSameLength, resolveSpacing } from './mask.js';
import { surface } from './surface.js';

export interface HausdorffOptions {
  /** Voxel size per axis (or one number for all), e.g. millimetres. Defaults to 1 (pixels, as the official evaluation). */
  spacing?: number | readonly number[];
  /** Percentile of the pooled surface distances. Defaults to 95 (HD95); 100 is the Hausdorff distance. */
  percentile?: number;
  /**
   * How the two directions combine. `'medpy'` (default): the percentile of both directions'
   * distances pooled. `'monai'`: `max(P_q(d(pred -> truth)), P_q(d(truth -> pred)))`.
   */
  convention?: HausdorffConvention;
}

/** The two ways the field combines the directed surface distances; see {@link HausdorffOptions}. */
export type HausdorffConvention = 'medpy' | 'monai';

export const HAUSDORFF_CONVENTIONS: readonly HausdorffConvention[] = ['medpy', 'monai'];

/** `convention` checked, defaulted to `'medpy'`; a ConfigError names the accepted values. */
export function checkHausdorffConvention(convention: unknown, what: string): HausdorffConvention {
  if (convention === undefined) return 'medpy';
  if (!HAUSDORFF_CONVENTIONS.includes(convention as HausdorffConvention)) {
    throw new ConfigError(
      `${what}: convention must be one of ${HAUSDORFF_CONVENTIONS.join(', ')}, got ${String(convention)}`,
    );
  }
  return convention as HausdorffConvention;
}

/**
 * Distances from every surface element of `from` to the nearest surface element of `to`, in
 * `spacing` units (medpy's `__surface_distances`). Empty when `from` is empty; all `Infinity` when
 * `to` is empty.
 */
export function surfaceDistances(
  from: ArrayLike<number>,
  to: ArrayLike<number>,
  shape: readonly number[],
  spacing?: number | readonly number[],
): Float64Array {
  checkSameLength(from, to, 'surfaceDistances');
  checkMaskShape(shape, from.length, 'surfaceDistances');
  assertBinary(from, 'surfaceDistances: from');
  assertBinary(to, 'surfaceDistances: to');
  const s = resolveSpacing(spacing, shape.length, 'surfaceDistances');
  const fromSurface = surface(from, shape);
  const dt = distanceTransform(surface(to, shape), shape, s);
  const out: number[] = [];
  for (let i = 0; i < fromSurface.length; i++) if (fromSurface[i]) out.push(dt[i]!);
  return Float64Array.from(out);
}

/**
 * Both masks cropped to the bounding box of their union, or undefined when both are empty. Exact
 * for surface distances: every surface element lies in the box, the Euclidean distance does not
 * depend on the box, and the elements just outside it are background either way.
 */
export function cropToUnion(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
): { pred: Uint8Array; truth: Uint8Array; shape: number[] } | undefined {
  const rank = shape.length;
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const lo = shape.map((d) => d);
  const hi = shape.map(() => -1);
  for (let i = 0; i < pred.length; i++) {
    if (!pred[i] && !truth[i]) continue;
    for (let a = 0; a < rank; a++) {
      const c = Math.floor(i / strides[a]!) % shape[a]!;
      if (c < lo[a]!) lo[a] = c;
      if (c > hi[a]!) hi[a] = c;
    }
  }
  if (hi[0]! < 0) return undefined;
  const cropShape = shape.map((_, a) => hi[a]! - lo[a]! + 1);
  const n = cropShape.reduce((x, y) => x * y, 1);
  const p = new Uint8Array(n);
  const t = new Uint8Array(n);
  const c = new Array<number>(rank).fill(0);
  for (let j = 0; j < n; j++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += (c[a]! + lo[a]!) * strides[a]!;
    p[j] = pred[src] ? 1 : 0;
    t[j] = truth[src] ? 1 : 0;
    for (let a = rank - 1; a >= 0; a--) {
      if (++c[a]! < cropShape[a]!) break;
      c[a] = 0;
    }
  }
  return { pred: p, truth: t, shape: cropShape };
}

/** numpy's default (linear) percentile of `values`, `q` in [0, 100]; NaN when empty. */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new ConfigError(`percentile: q must be in [0, 100], got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a === b ? a : a + (b - a) * (pos - lo);
}

/**
 * Percentile Hausdorff distance (default HD95) between binary masks `pred` and `truth` of `shape`
 * (`[H, W]` or `[D, H, W]`): medpy's `hd95(pred, truth, voxelspacing)`, or with
 * `convention: 'monai'` MONAI's `compute_hausdorff_distance(..., percentile=95)`. Raw definition: `Infinity`
 * when exactly one mask is empty, NaN when both are; `segmentationMetrics` applies an `EmptyPolicy`.
 */
export function hausdorffDistance(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
  options: HausdorffOptions = {},
): number {
  const q = options.percentile ?? 95;
  if (!(q >= 0 && q <= 100))
    throw new ConfigError(`hausdorffDistance: percentile must be in [0, 100], got ${q}`);
  checkSameLength(pred, truth, 'hausdorffDistance');
  checkMaskShape(shape, pred.length, 'hausdorffDistance');
  assertBinary(pred, 'hausdorffDistance: prediction');
  assertBinary(truth, 'hausdorffDistance: truth');
  const convention = checkHausdorffConvention(options.convention, 'hausdorffDistance');
  const spacing = resolveSpacing(options.spacing, shape.length, 'hausdorffDistance');
  const crop = cropToUnion(pred, truth, shape);
  if (!crop) return Number.NaN;
  const ab = surfaceDistances(crop.pred, crop.truth, crop.shape, spacing);
  const ba = surfaceDistances(crop.truth, crop.pred, crop.shape, spacing);
  if (ab.length === 0 && ba.length === 0) return Number.NaN;
  if (ab.length === 0 || ba.length === 0) return Number.POSITIVE_INFINITY;
  if (convention === 'monai') return Math.max(percentile(ab, q), percentile(ba, q));
  const all = new Float64Array(ab.length + ba.length);
  all.set(ab);
  all.set(ba, ab.length);
  return percentile(all, q);
}
