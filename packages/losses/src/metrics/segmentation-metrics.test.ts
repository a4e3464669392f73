import { ConfigError, ShapeError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { bruteHd } from '../../test/brute-force.js';
import { seededRandom } from '../../test/finite-differences.js';
import { LabelValueError } from '../errors.js';
import {
  batchSegmentationMetrics,
  binaryMetrics,
  nanMean,
  SegmentationMetrics,
  segmentationMetrics,
} from './segmentation-metrics.js';

// 4x4 label maps, classes 0..3. Class 1: truth 4 px, pred 3 of them + 1 extra. Class 2: truth
// empty, pred 1 px. Class 3: truth 2 px, pred empty.
// biome-ignore format: label maps read as images
const TRUTH = [
  1, 1, 0, 0,
  1, 1, 0, 3,
  0, 0, 0, 3,
  0, 0, 0, 0,
];
// biome-ignore format: label maps read as images
const PRED = [
  1, 1, 0, 0,
  1, 0, 1, 0,
  0, 0, 0, 0,
  0, 0, 0, 2,
];

describe('segmentationMetrics', () => {
  it('per class by hand, official empty convention', () => {
    const m = segmentationMetrics(PRED, TRUTH, [4, 4], { numClasses: 4 });
    expect(m.classes).toEqual([1, 2, 3]);
    const [c1, c2, c3] = m.perClass;
    // Class 1: TP 3, FP 1, FN 1, TN 11.
    expect(c1!.dice).toBeCloseTo(6 / 8, 12);
    expect(c1!.iou).toBeCloseTo(3 / 5, 12);
    expect(c1!.sensitivity).toBeCloseTo(3 / 4, 12);
    expect(c1!.specificity).toBeCloseTo(11 / 12, 12);
    expect(c1!.accuracy).toBeCloseTo(14 / 16, 12);
    // Surfaces: truth = 2x2 block (all 4 are surface); pred = 3 of them + (1, 2). Pred -> truth:
    // 0, 0, 0, and (1, 2) -> (1, 1) = 1. Truth -> pred: (1, 1) -> (1, 0) or (0, 1) or (1, 2) = 1; others 0.
    // Pooled [0 x 6, 1, 1]: the 95th percentile sits at 6.65, between sorted[6] = 1 and sorted[7] = 1.
    expect(c1!.hd95).toBe(1);
    // Class 2: prediction without truth -> official Dice 1, HD95 0.
    expect([c2!.dice, c2!.iou, c2!.hd95]).toEqual([1, 1, 0]);
    expect(c2!.sensitivity).toBeNaN();
    // Class 3: empty prediction -> 0, 0.
    expect([c3!.dice, c3!.iou, c3!.hd95]).toEqual([0, 0, 0]);
    expect(c3!.sensitivity).toBe(0);
    expect(m.mean.dice).toBeCloseTo((0.75 + 1 + 0) / 3, 12);
    expect(m.mean.sensitivity).toBeCloseTo((0.75 + 0) / 2, 12);
  });

  it("the 'nan' and 'strict' empty conventions", () => {
    const n = segmentationMetrics(PRED, TRUTH, [4, 4], { numClasses: 4, empty: 'nan' });
    expect(n.perClass[1]!.dice).toBeNaN();
    expect(n.perClass[1]!.hd95).toBeNaN();
    expect([n.perClass[2]!.dice, n.perClass[2]!.hd95]).toEqual([0, Number.POSITIVE_INFINITY]);
    expect(n.mean.dice).toBeCloseTo(0.75 / 2, 12);
    const s = segmentationMetrics(PRED, TRUTH, [4, 4], { numClasses: 5, empty: 'strict' });
    expect([s.perClass[1]!.dice, s.perClass[1]!.hd95]).toEqual([0, Number.POSITIVE_INFINITY]);
    expect([s.perClass[3]!.dice, s.perClass[3]!.iou, s.perClass[3]!.hd95]).toEqual([1, 1, 0]); // class 4: both empty
    const o = binaryMetrics(new Uint8Array(4), new Uint8Array(4), [2, 2]);
    expect([o.dice, o.hd95]).toEqual([0, 0]); // official: empty prediction -> 0, 0 even with empty truth
  });

  it('includeBackground, spacing and hd95: false', () => {
    const m = segmentationMetrics(PRED, TRUTH, [4, 4], {
      numClasses: 4,
      includeBackground: true,
      spacing: [2, 3],
      hd95: false,
    });
    expect(m.classes).toEqual([0, 1, 2, 3]);
    expect(m.perClass.every((c) => Number.isNaN(c.hd95))).toBe(true);
    const withSpacing = segmentationMetrics(PRED, TRUTH, [4, 4], { numClasses: 4, spacing: [2, 3] });
    // Class 1 with rows 2 mm, columns 3 mm: (1, 2) -> (1, 1) is 3; (1, 1) -> (0, 1) is 2.
    // Pooled [0 x 6, 2, 3]: position 6.65 -> 2 + 0.65 (3 - 2).
    expect(withSpacing.perClass[0]!.hd95).toBeCloseTo(2.65, 12);
    // MONAI's convention: pred -> truth [0, 0, 0, 3] gives 0.85 * 3 = 2.55 at position 2.85,
    // truth -> pred [0, 0, 0, 2] gives 1.7; the larger is 2.55.
    const monai = segmentationMetrics(PRED, TRUTH, [4, 4], {
      numClasses: 4,
      spacing: [2, 3],
      hausdorffConvention: 'monai',
    });
    expect(monai.perClass[0]!.hd95).toBeCloseTo(2.55, 12);
  });

  it('per volume: a [D, H, W] case', () => {
    const truth = [...TRUTH, ...TRUTH];
    const pred = [...PRED, ...TRUTH];
    const m = segmentationMetrics(pred, truth, [2, 4, 4], { numClasses: 4, spacing: [5, 1, 1] });
    // Class 1 over the volume: TP 7, FP 1, FN 1.
    expect(m.perClass[0]!.dice).toBeCloseTo(14 / 16, 12);
  });

  it('per image of a batch, and the accumulator (mean over cases, then over classes)', () => {
    const batch = batchSegmentationMetrics([...PRED, ...TRUTH], [...TRUTH, ...TRUTH], [2, 4, 4], {
      numClasses: 4,
    });
    expect(batch).toHaveLength(2);
    expect(batch[1]!.perClass[0]!.dice).toBe(1);
    const acc = new SegmentationMetrics({ numClasses: 4 });
    acc.update(PRED, TRUTH, [4, 4]);
    acc.update(TRUTH, TRUTH, [4, 4]);
    const agg = acc.aggregate();
    expect(agg.cases).toBe(2);
    expect(agg.perClass[0]!.dice).toBeCloseTo((0.75 + 1) / 2, 12);
    // Class 2: official 1 (pred without truth) then 0 (both empty).
    expect(agg.perClass[1]!.dice).toBeCloseTo(0.5, 12);
    expect(agg.mean.dice).toBeCloseTo(((0.75 + 1) / 2 + 0.5 + 0.5) / 3, 12);
    expect(acc.history).toHaveLength(2);
    acc.reset();
    expect(acc.aggregate().cases).toBe(0);
  });

  it('random label volumes: every metric of every class against a brute-force recount', () => {
    const rand = seededRandom(29);
    const shape = [4, 7, 6];
    const spacing = [2, 0.5, 0.9];
    const n = 4 * 7 * 6;
    // Blocky truth, prediction = truth with 20% of voxels relabelled.
    const truth = Array.from(
      { length: n },
      (_, i) => (Math.floor(i / 6) % 7 > 3 ? 1 : 0) + (i % 6 > 2 ? 2 : 0),
    );
    const pred = truth.map((v) => (rand() < 0.2 ? Math.floor(rand() * 4) : v));
    const m = segmentationMetrics(pred, truth, shape, { numClasses: 4, spacing });
    for (const [j, k] of m.classes.entries()) {
      const p = pred.map((v) => (v === k ? 1 : 0));
      const t = truth.map((v) => (v === k ? 1 : 0));
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (let i = 0; i < n; i++) {
        tp += p[i]! & t[i]!;
        fp += p[i]! & (1 - t[i]!);
        fn += (1 - p[i]!) & t[i]!;
      }
      const tn = n - tp - fp - fn;
      const c = m.perClass[j]!;
      expect(c.dice).toBeCloseTo((2 * tp) / (2 * tp + fp + fn), 12);
      expect(c.iou).toBeCloseTo(tp / (tp + fp + fn), 12);
      expect(c.sensitivity).toBeCloseTo(tp / (tp + fn), 12);
      expect(c.specificity).toBeCloseTo(tn / (tn + fp), 12);
      expect(c.accuracy).toBeCloseTo((tp + tn) / n, 12);
      expect(c.hd95).toBeCloseTo(bruteHd(p, t, shape, spacing), 9);
    }
  });

  it('nanMean skips NaN', () => {
    expect(nanMean([1, Number.NaN, 3])).toBe(2);
    expect(nanMean([Number.NaN])).toBeNaN();
  });

  it('rejects bad input with typed errors', () => {
    expect(() => segmentationMetrics([0, 4], [0, 1], [2], { numClasses: 4 })).toThrow(LabelValueError);
    expect(() => segmentationMetrics([0, 1], [0, -1], [2], { numClasses: 4 })).toThrow(/truth: class labels/);
    expect(() => segmentationMetrics([0, 1], [0, 1, 1], [2], { numClasses: 4 })).toThrow(ShapeError);
    expect(() => segmentationMetrics([0, 1, 0, 1], [0, 1, 0, 1], [2, 3], { numClasses: 4 })).toThrow(
      ShapeError,
    );
    expect(() => segmentationMetrics([0, 1], [0, 1], [2], { numClasses: 1 })).toThrow(ConfigError);
    expect(() => segmentationMetrics([0, 1], [0, 1], [2], { numClasses: 2, spacing: [1, 1] })).toThrow(
      ConfigError,
    );
    expect(() => new SegmentationMetrics({ numClasses: 3, empty: 'ignore' as never })).toThrow(ConfigError);
    expect(() =>
      segmentationMetrics([0, 1], [0, 1], [2], { numClasses: 2, hausdorffConvention: 'x' as never }),
    ).toThrow(/convention must be one of medpy, monai/);
    expect(() => binaryMetrics([0, 2], [0, 1], [2])).toThrow(LabelValueError);
    expect(() => batchSegmentationMetrics([0, 1, 0], [0, 1, 0], [2, 2], { numClasses: 2 })).toThrow(
      ShapeError,
    );
  });
});
