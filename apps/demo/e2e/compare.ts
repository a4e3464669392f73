/**
 * Comparing the page's segmentation with the Node.js reference. The logits must agree within the
 * network tolerance; then a label can differ only where the reference's two competing logits are
 * closer than twice that tolerance (an argmax tie up to float error), and those are the only
 * differences allowed.
 */
import { closeness, TOLERANCE } from '@befunet/testing';
import type { Segmentation } from '../src/segmentation.js';

export interface PageSegmentation {
  labels: number[];
  logits: number[];
  size: number;
  numClasses: number;
}

export interface SegmentationComparison {
  maxLogitError: number;
  logitMismatches: number;
  /** Pixels whose labels differ. */
  differing: number;
  /** Differing pixels that are not ties (must be 0). */
  nonTies: number;
}

export function compareSegmentations(page: PageSegmentation, ref: Segmentation): SegmentationComparison {
  const tol = TOLERANCE.network;
  const logits = closeness(page.logits, ref.logits, tol);
  let differing = 0;
  let nonTies = 0;
  const k = ref.numClasses;
  for (let p = 0; p < ref.labels.length; p++) {
    const a = page.labels[p]!;
    const b = ref.labels[p]!;
    if (a === b) continue;
    differing++;
    const la = ref.logits[p * k + a]!;
    const lb = ref.logits[p * k + b]!;
    if (Math.abs(lb - la) > 2 * (tol.atol + tol.rtol * Math.max(Math.abs(la), Math.abs(lb)))) nonTies++;
  }
  return { maxLogitError: logits.maxAbsError, logitMismatches: logits.mismatches, differing, nonTies };
}
