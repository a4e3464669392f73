/**
 * The geometry of a DICOM series: slices ordered along the slice normal, checked for even gaps,
 * and the voxel-to-world affine. DICOM patient coordinates are LPS (PS3.3 C.7.6.2.1.1: x to the
 * patient's left, y posterior, z head); NIfTI's are RAS, so x and y are negated.
 */
import type { Affine } from '../nifti/types.js';
import { DicomSeriesError } from './errors.js';
import type { DicomSlice } from './slice.js';

/** Positions closer than this (mm) along the normal are the same; gaps within it are equal. */
const TOLERANCE_MM = 1e-3;
/** Relative tolerance on gaps (DS values carry at most 16 characters). */
const RELATIVE = 1e-4;

const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const cross = (a: readonly number[], b: readonly number[]) => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];
const sub = (a: readonly number[], b: readonly number[]) => [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];

/** The slice normal: row direction x column direction (PS3.3 C.7.6.2.1.1). */
export const sliceNormal = (orientation: readonly number[]): number[] =>
  cross(orientation.slice(0, 3), orientation.slice(3, 6));

/** The slices sorted by position along the normal; throws on duplicates, gaps and tilt. */
export function orderSlices(slices: readonly DicomSlice[], source: string): DicomSlice[] {
  checkSameGrid(slices, source);
  const normal = sliceNormal(slices[0]!.orientation);
  const sorted = [...slices].sort((a, b) => dot(a.position, normal) - dot(b.position, normal));
  const depth = sorted.map((s) => dot(s.position, normal));
  const gaps = depth.slice(1).map((d, k) => d - depth[k]!);
  const at = (k: number) => `${sorted[k]!.source} and ${sorted[k + 1]!.source}`;
  const duplicate = gaps.findIndex((g) => g < TOLERANCE_MM);
  if (duplicate >= 0) {
    throw new DicomSeriesError(
      source,
      'duplicate-slices',
      `${at(duplicate)} lie at the same position along the slice normal (${depth[duplicate]} mm)`,
    );
  }
  checkGaps(gaps, depth, source);
  checkTilt(sorted, normal, source);
  return sorted;
}

function checkGaps(gaps: readonly number[], depth: readonly number[], source: string): void {
  if (gaps.length === 0) return;
  const smallest = Math.min(...gaps);
  const equal = (g: number, to: number) => Math.abs(g - to) <= TOLERANCE_MM + RELATIVE * to;
  if (gaps.every((g) => equal(g, smallest))) return;
  const list = `slice positions along the normal [${depth.map((d) => +d.toFixed(4))}] mm`;
  if (gaps.every((g) => equal(g, Math.round(g / smallest) * smallest))) {
    const missing = gaps.reduce((n, g) => n + Math.round(g / smallest) - 1, 0);
    throw new DicomSeriesError(
      source,
      'missing-slices',
      `${missing} slice(s) missing: gaps are multiples of ${+smallest.toFixed(4)} mm, ${list}`,
    );
  }
  throw new DicomSeriesError(
    source,
    'non-uniform-spacing',
    `slice gaps differ (${gaps.map((g) => +g.toFixed(4))} mm), ${list}`,
  );
}

/** The step between slices must lie along the normal (no gantry tilt, no shear). */
function checkTilt(sorted: readonly DicomSlice[], normal: readonly number[], source: string): void {
  const tilt = Number(sorted[0]!.dataset.GantryDetectorTilt ?? 0);
  for (let k = 1; k < sorted.length; k++) {
    const step = sub(sorted[k]!.position, sorted[k - 1]!.position);
    const along = dot(step, normal);
    const off = Math.hypot(
      ...sub(
        step,
        normal.map((n) => n * along),
      ),
    );
    if (off > TOLERANCE_MM + RELATIVE * along) {
      const angle = (Math.atan2(off, along) * 180) / Math.PI;
      throw new DicomSeriesError(
        source,
        'gantry-tilt',
        `slices are sheared ${angle.toFixed(2)} degrees off the slice normal (GantryDetectorTilt ${tilt}) between ${sorted[k - 1]!.source} and ${sorted[k]!.source}: resample the series first`,
      );
    }
  }
}

function checkSameGrid(slices: readonly DicomSlice[], source: string): void {
  const first = slices[0]!;
  const key = (s: DicomSlice) =>
    [s.rows, s.columns, ...s.spacing, ...s.orientation.map((v) => v.toFixed(4))].join(' ');
  const other = slices.find((s) => key(s) !== key(first));
  if (other) {
    throw new DicomSeriesError(
      source,
      'inconsistent-slices',
      `${other.source} has Rows, Columns, PixelSpacing, ImageOrientationPatient [${key(other)}], ${first.source} [${key(first)}]`,
    );
  }
}

/**
 * Voxel (i, j, k) -> RAS mm, with i the column, j the row and k the slice in the order returned by
 * `orderSlices`. In LPS: P(i, j) = IPP + i * PixelSpacing[1] * row + j * PixelSpacing[0] * column
 * (PS3.3 C.7.6.2.1.1, equation C.7.6.2.1-1), and the slice step is IPP(k + 1) - IPP(k).
 */
export function dicomAffine(sorted: readonly DicomSlice[]): Affine {
  const first = sorted[0]!;
  const row = first.orientation.slice(0, 3).map((v) => v * first.spacing[1]!);
  const col = first.orientation.slice(3, 6).map((v) => v * first.spacing[0]!);
  const last = sorted[sorted.length - 1]!;
  const step =
    sorted.length > 1
      ? sub(last.position, first.position).map((v) => v / (sorted.length - 1))
      : sliceNormal(first.orientation).map((v) => v * Number(first.dataset.SliceThickness ?? 1));
  const flip = [-1, -1, 1]; // LPS -> RAS
  const rowOf = (r: number) => [
    row[r]! * flip[r]!,
    col[r]! * flip[r]!,
    step[r]! * flip[r]!,
    first.position[r]! * flip[r]!,
  ];
  return [rowOf(0).map((v) => v + 0), rowOf(1).map((v) => v + 0), rowOf(2).map((v) => v + 0), [0, 0, 0, 1]];
}
