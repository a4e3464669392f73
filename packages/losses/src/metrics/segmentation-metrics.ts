/**
 * The metrics the field reports (Dice, IoU, sensitivity, specificity, accuracy, HD95), per class
 * and averaged, per image (`[H, W]`) or per volume (`[D, H, W]`), and their accumulation over
 * cases (MONAI's metric classes: `update`, `aggregate`, `reset`).
 */
import { ConfigError, formatShape, ShapeError } from '@befunet/common';
import { assertClassLabels } from '../targets.js';
import {
  accuracyFromCounts,
  confusionCounts,
  diceFromCounts,
  iouFromCounts,
  sensitivityFromCounts,
  specificityFromCounts,
} from './confusion.js';
import { EMPTY_POLICIES, type EmptyPolicy, emptyCaseValues } from './empty-policy.js';
import { checkHausdorffConvention, type HausdorffConvention, hausdorffDistance } from './hausdorff.js';
import { checkMaskShape, checkSameLength, resolveSpacing } from './mask.js';

/** The six metrics of one class in one case (or their means). */
export interface ClassMetrics {
  dice: number;
  iou: number;
  sensitivity: number;
  specificity: number;
  accuracy: number;
  /** Percentile Hausdorff distance in `spacing` units; NaN when not computed (`hd95: false`). */
  hd95: number;
}

export const METRIC_NAMES = ['dice', 'iou', 'sensitivity', 'specificity', 'accuracy', 'hd95'] as const;

export interface BinaryMetricsOptions {
  /** Voxel size per axis, or one number for all. Defaults to 1 (pixels, as the official evaluation). */
  spacing?: number | readonly number[];
  /** Percentile of the Hausdorff distance. Defaults to 95. */
  percentile?: number;
  /** How the Hausdorff distance combines its two directions: `'medpy'` (default) or `'monai'`; see `HausdorffOptions`. */
  hausdorffConvention?: HausdorffConvention;
  /** Dice/IoU/HD95 of empty masks. Defaults to `'official'` (see {@link EmptyPolicy}). */
  empty?: EmptyPolicy;
  /** Compute the Hausdorff distance (the costly one). Defaults to true. */
  hd95?: boolean;
}

export interface SegmentationMetricsOptions extends BinaryMetricsOptions {
  /** Number of classes; labels must be integers in `[0, numClasses)`. */
  numClasses: number;
  /** Report class 0 too. Defaults to false (the field reports organs / lesions, not background). */
  includeBackground?: boolean;
}

/** The metrics of one case: one entry per reported class, and their mean (NaN skipped). */
export interface CaseMetrics {
  /** The reported class indices, in order. */
  classes: number[];
  perClass: ClassMetrics[];
  mean: ClassMetrics;
}

function checkOptions(o: BinaryMetricsOptions, what: string): void {
  if (o.empty !== undefined && !EMPTY_POLICIES.includes(o.empty)) {
    throw new ConfigError(
      `${what}: empty must be one of ${EMPTY_POLICIES.join(', ')}, got ${String(o.empty)}`,
    );
  }
  if (o.percentile !== undefined && !(o.percentile >= 0 && o.percentile <= 100)) {
    throw new ConfigError(`${what}: percentile must be in [0, 100], got ${o.percentile}`);
  }
  checkHausdorffConvention(o.hausdorffConvention, what);
}

function checkSegmentationOptions(o: SegmentationMetricsOptions, what: string): void {
  if (!(Number.isInteger(o.numClasses) && o.numClasses >= 2)) {
    throw new ConfigError(`${what}: numClasses must be an integer >= 2, got ${o.numClasses}`);
  }
  checkOptions(o, what);
}

/** Mean of the non-NaN values; NaN when there is none. */
export function nanMean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** Metric-wise {@link nanMean} of several ClassMetrics. */
export function meanMetrics(items: readonly ClassMetrics[]): ClassMetrics {
  const out = {} as ClassMetrics;
  for (const k of METRIC_NAMES) out[k] = nanMean(items.map((m) => m[k]));
  return out;
}

/** All six metrics of a binary prediction against a binary truth (0/1 arrays of `shape`). */
export function binaryMetrics(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
  options: BinaryMetricsOptions = {},
): ClassMetrics {
  checkOptions(options, 'binaryMetrics');
  checkSameLength(pred, truth, 'binaryMetrics');
  checkMaskShape(shape, pred.length, 'binaryMetrics');
  resolveSpacing(options.spacing, shape.length, 'binaryMetrics');
  const c = confusionCounts(pred, truth);
  const result: ClassMetrics = {
    dice: diceFromCounts(c),
    iou: iouFromCounts(c),
    sensitivity: sensitivityFromCounts(c),
    specificity: specificityFromCounts(c),
    accuracy: accuracyFromCounts(c),
    hd95: Number.NaN,
  };
  const empty = emptyCaseValues(options.empty ?? 'official', c.tp + c.fp === 0, c.tp + c.fn === 0);
  if (empty) {
    result.dice = empty.dice;
    result.iou = empty.iou;
    if (options.hd95 !== false) result.hd95 = empty.hd95;
  } else if (options.hd95 !== false) {
    result.hd95 = hausdorffDistance(pred, truth, shape, {
      ...(options.spacing !== undefined && { spacing: options.spacing }),
      percentile: options.percentile ?? 95,
      ...(options.hausdorffConvention !== undefined && { convention: options.hausdorffConvention }),
    });
  }
  return result;
}

/**
 * Per-class metrics of a label map `pred` against `truth` (class indices, arrays of `shape`:
 * `[H, W]` per image, `[D, H, W]` per volume, with `spacing` per axis for HD95).
 */
export function segmentationMetrics(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
  options: SegmentationMetricsOptions,
): CaseMetrics {
  const { numClasses } = options;
  checkSegmentationOptions(options, 'segmentationMetrics');
  checkSameLength(pred, truth, 'segmentationMetrics');
  checkMaskShape(shape, pred.length, 'segmentationMetrics');
  resolveSpacing(options.spacing, shape.length, 'segmentationMetrics');
  assertClassLabels(pred, numClasses, 'segmentationMetrics: prediction');
  assertClassLabels(truth, numClasses, 'segmentationMetrics: truth');
  const classes: number[] = [];
  for (let k = options.includeBackground ? 0 : 1; k < numClasses; k++) classes.push(k);
  const p = new Uint8Array(pred.length);
  const t = new Uint8Array(pred.length);
  const perClass = classes.map((k) => {
    for (let i = 0; i < p.length; i++) {
      p[i] = pred[i] === k ? 1 : 0;
      t[i] = truth[i] === k ? 1 : 0;
    }
    return binaryMetrics(p, t, shape, options);
  });
  return { classes, perClass, mean: meanMetrics(perClass) };
}

/** {@link segmentationMetrics} of each image of a batch `[B, H, W]` (or each volume of `[B, D, H, W]`). */
export function batchSegmentationMetrics(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly number[],
  options: SegmentationMetricsOptions,
): CaseMetrics[] {
  checkSameLength(pred, truth, 'batchSegmentationMetrics');
  if (shape.length < 2 || shape.length > 4) {
    throw new ShapeError(
      `batchSegmentationMetrics: shape must be [B,H,W] or [B,D,H,W], got ${formatShape(shape)}`,
    );
  }
  const [b, ...inner] = shape as [number, ...number[]];
  const n = inner.reduce((x, y) => x * y, 1);
  if (!(Number.isInteger(b) && b >= 1) || b * n !== pred.length) {
    throw new ShapeError(
      `batchSegmentationMetrics: shape ${formatShape(shape)} does not hold ${pred.length} elements`,
    );
  }
  const out: CaseMetrics[] = [];
  const slice = (a: ArrayLike<number>, i: number) =>
    Array.prototype.slice.call(a, i * n, (i + 1) * n) as number[];
  for (let i = 0; i < b; i++) out.push(segmentationMetrics(slice(pred, i), slice(truth, i), inner, options));
  return out;
}

/** Per-class means over cases (NaN skipped), and their mean over classes: what papers tabulate. */
export interface AggregatedMetrics {
  classes: number[];
  perClass: ClassMetrics[];
  mean: ClassMetrics;
  /** Number of cases accumulated. */
  cases: number;
}

/**
 * Accumulates {@link segmentationMetrics} over cases (images or volumes), then averages per class
 * over cases and over classes, as the Synapse evaluation does (mean over cases, then over organs).
 */
export class SegmentationMetrics {
  private cases: CaseMetrics[] = [];
  readonly options: SegmentationMetricsOptions;

  constructor(options: SegmentationMetricsOptions) {
    checkSegmentationOptions(options, 'SegmentationMetrics');
    this.options = { ...options };
  }

  /** Scores one case and keeps it; returns its metrics. */
  update(pred: ArrayLike<number>, truth: ArrayLike<number>, shape: readonly number[]): CaseMetrics {
    const m = segmentationMetrics(pred, truth, shape, this.options);
    this.cases.push(m);
    return m;
  }

  /** Per-class means over the cases so far and their mean over classes. */
  aggregate(): AggregatedMetrics {
    const classes = this.cases[0]?.classes ?? [];
    const perClass = classes.map((_, j) => meanMetrics(this.cases.map((c) => c.perClass[j]!)));
    return { classes, perClass, mean: meanMetrics(perClass), cases: this.cases.length };
  }

  /** The metrics of every case so far, in order. */
  get history(): readonly CaseMetrics[] {
    return this.cases;
  }

  /** Forgets every case. */
  reset(): void {
    this.cases = [];
  }
}
