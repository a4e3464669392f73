/** The qform and sform affines of a NIfTI header, and which one a reader uses. */
import type { Affine } from './types.js';

/** The qform affine (NIfTI-1 "method 2"): rotation from the quaternion, scaled by pixdim and qfac. */
export function quaternToAffine(
  [b, c, d]: readonly [number, number, number],
  [qx, qy, qz]: readonly [number, number, number],
  pixdim: readonly number[],
): Affine {
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const qfac = pixdim[0]! < 0 ? -1 : 1;
  const [dx, dy, dz] = [pixdim[1]!, pixdim[2]!, pixdim[3]! * qfac];
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  // `+ 0` turns the -0 of sign flips into 0.
  return [
    [r[0]![0]! * dx + 0, r[0]![1]! * dy + 0, r[0]![2]! * dz + 0, qx + 0],
    [r[1]![0]! * dx + 0, r[1]![1]! * dy + 0, r[1]![2]! * dz + 0, qy + 0],
    [r[2]![0]! * dx + 0, r[2]![1]! * dy + 0, r[2]![2]! * dz + 0, qz + 0],
    [0, 0, 0, 1],
  ];
}

/** The sform affine: the srow rows plus 0 0 0 1. */
export const sformAffine = (srow: readonly (readonly number[])[]): Affine => [
  [...srow[0]!],
  [...srow[1]!],
  [...srow[2]!],
  [0, 0, 0, 1],
];

/** The affine to use: sform if sform_code > 0, else qform if qform_code > 0, else diag(pixdim). */
export function bestAffine(
  codes: { qformCode: number; sformCode: number },
  qform: Affine,
  sform: Affine,
  pixdim: readonly number[],
): Affine {
  if (codes.sformCode > 0) return sform;
  if (codes.qformCode > 0) return qform;
  return [
    [pixdim[1]!, 0, 0, 0],
    [0, pixdim[2]!, 0, 0],
    [0, 0, pixdim[3]!, 0],
    [0, 0, 0, 1],
  ];
}
