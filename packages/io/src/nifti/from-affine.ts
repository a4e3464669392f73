/**
 * A NIfTI header for a volume read from another format (DICOM, NRRD, MetaImage), so that every
 * reader returns the same `NiftiVolume` and `encodeNifti(labels, volume.header)` writes its
 * geometry. The affine goes in the sform (sform_code 1, "scanner"); the qform is left unset.
 */
import { sformAffine } from './affine.js';
import { CODE_OF, DATATYPES } from './datatypes.js';
import type { Affine, NiftiDType, NiftiHeader } from './types.js';

/** Column k of the affine's 3x3 part: the world step of voxel axis k. */
export const axisStep = (affine: Affine, k: number): number[] => [0, 1, 2].map((r) => affine[r]![k]!);

const norm = (v: readonly number[]): number => Math.hypot(...v);

/** The header of a 3-D volume of `shape` whose voxel (i, j, k) lies at `affine` x (i, j, k, 1) in RAS mm. */
export function headerFromAffine(
  shape: readonly [number, number, number],
  affine: Affine,
  dtype: NiftiDType,
  descrip: string,
): NiftiHeader {
  const sform = sformAffine(affine.slice(0, 3));
  const spacing = [0, 1, 2].map((k) => norm(axisStep(affine, k)));
  const identity: Affine = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  return {
    version: 1,
    pair: false,
    littleEndian: true,
    dim: [3, ...shape, 1, 1, 1, 1],
    pixdim: [1, ...spacing, 0, 0, 0, 0],
    datatype: CODE_OF[dtype],
    dtype, // the stored type in the source file; the data are float32 after rescaling
    bitpix: DATATYPES[CODE_OF[dtype]]!.bytes * 8,
    voxOffset: 352,
    sclSlope: 1,
    sclInter: 0,
    xyztUnits: 2, // NIFTI_UNITS_MM
    qformCode: 0,
    sformCode: 1, // NIFTI_XFORM_SCANNER_ANAT
    quatern: [0, 0, 0],
    qoffset: [0, 0, 0],
    srow: [sform[0], sform[1], sform[2]],
    descrip: descrip.slice(0, 79),
    qformMatrix: identity,
    sformMatrix: sform,
    affine: sform,
  };
}
