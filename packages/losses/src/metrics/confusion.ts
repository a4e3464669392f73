/**
 * Confusion counts of a binary prediction against a binary truth, and the ratios built on them.
 */
import { assertBinary } from '../targets.js';
import { checkSameLength } from './mask.js';

export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Counts TP, FP, FN, TN; both masks must hold only 0 and 1 (LabelValueError otherwise). */
export function confusionCounts(pred: ArrayLike<number>, truth: ArrayLike<number>): ConfusionCounts {
  checkSameLength(pred, truth, 'confusionCounts');
  assertBinary(pred, 'confusionCounts: prediction');
  assertBinary(truth, 'confusionCounts: truth');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]!;
    const t = truth[i]!;
    if (p === 1 && t === 1) tp++;
    else if (p === 1) fp++;
    else if (t === 1) fn++;
  }
  return { tp, fp, fn, tn: pred.length - tp - fp - fn };
}

const ratio = (num: number, den: number) => (den === 0 ? Number.NaN : num / den);

/** Dice `2TP / (2TP + FP + FN)`; NaN when both masks are empty (see `EmptyPolicy`). */
export const diceFromCounts = (c: ConfusionCounts) => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
/** IoU (Jaccard) `TP / (TP + FP + FN)`; NaN when both masks are empty. */
export const iouFromCounts = (c: ConfusionCounts) => ratio(c.tp, c.tp + c.fp + c.fn);
/** Sensitivity (recall) `TP / (TP + FN)`; NaN when the truth is empty. */
export const sensitivityFromCounts = (c: ConfusionCounts) => ratio(c.tp, c.tp + c.fn);
/** Specificity `TN / (TN + FP)`; NaN when the truth fills the image. */
export const specificityFromCounts = (c: ConfusionCounts) => ratio(c.tn, c.tn + c.fp);
/** Accuracy `(TP + TN) / N`. */
export const accuracyFromCounts = (c: ConfusionCounts) => ratio(c.tp + c.tn, c.tp + c.fp + c.fn + c.tn);
