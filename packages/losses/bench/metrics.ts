/**
 * Timing of the plain-TypeScript metrics (no tensors): `segmentationMetrics` with HD95 on a
 * Synapse-sized slice and on a volume, and the distance transform alone. Median of several runs
 * after a warm-up. Run: `pnpm bench`.
 */
import { distanceTransform, segmentationMetrics } from '../src/index.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown, runs = 5): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** Label map of `classes` ellipsoids-ish blobs (class k centred at a different place), shifted by `shift`. */
function labels(shape: number[], classes: number, shift: number): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n);
  const [d, h, w] = shape.length === 3 ? shape : [1, ...shape];
  for (let z = 0; z < d!; z++) {
    for (let y = 0; y < h!; y++) {
      for (let x = 0; x < w!; x++) {
        for (let k = 1; k < classes; k++) {
          const cx = (w! * ((k % 3) + 1)) / 4 + shift;
          const cy = (h! * (Math.floor(k / 3) + 1)) / 4;
          const cz = d! / 2;
          const r = Math.min(h!, w!) / 9;
          if ((x - cx) ** 2 + (y - cy) ** 2 + ((z - cz) * (h! / Math.max(d!, 1))) ** 2 < r * r) {
            out[(z * h! + y) * w! + x] = k;
          }
        }
      }
    }
  }
  return out;
}

const rows: [string, number][] = [];
for (const shape of [
  [224, 224],
  [512, 512],
  [32, 224, 224],
]) {
  const truth = labels(shape, 9, 0);
  const pred = labels(shape, 9, 2);
  const spacing = shape.length === 3 ? [3, 0.8, 0.8] : [0.8, 0.8];
  rows.push([
    `segmentationMetrics, 9 classes, HD95, [${shape.join('x')}]`,
    time(() => segmentationMetrics(pred, truth, shape, { numClasses: 9, spacing }), 5),
  ]);
  rows.push([
    `  same without HD95`,
    time(() => segmentationMetrics(pred, truth, shape, { numClasses: 9, spacing, hd95: false }), 5),
  ]);
  rows.push([
    `  distanceTransform alone, [${shape.join('x')}]`,
    time(() => distanceTransform(truth, shape, spacing), 5),
  ]);
}
console.log('| case | median ms |\n| --- | ---: |');
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(1)} |`);
