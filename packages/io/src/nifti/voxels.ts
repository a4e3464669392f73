/**
 * The voxels of a NIfTI volume as a Float32Array, scaled by scl_slope / scl_inter. nifti-reader-js
 * returns the raw bytes only; their datatype and byte order are read here.
 */
import { FileFormatError } from '../errors.js';
import { DATATYPES } from './datatypes.js';
import type { NiftiDType, NiftiHeader } from './types.js';

/** Sizes dim[1..rank], x first. */
export const shapeOf = (header: NiftiHeader): number[] => header.dim.slice(1, header.dim[0]! + 1);

/**
 * The voxels in `file` (a `.nii`, or the `.img` of a pair) from `header.voxOffset`. A file too short
 * for the declared dims is refused before anything is allocated.
 */
export function decodeVoxels(header: NiftiHeader, file: Uint8Array, source: string): Float32Array {
  const shape = shapeOf(header);
  const count = shape.reduce((n, d) => n * d, 1);
  const needed = count * DATATYPES[header.datatype]!.bytes;
  if (!Number.isSafeInteger(needed) || header.voxOffset + needed > file.length) {
    throw new FileFormatError(
      source,
      `NIfTI: dim [${shape}] of ${header.dtype} needs ${needed} bytes from offset ${header.voxOffset}, file has ${file.length}`,
    );
  }
  const view = new DataView(file.buffer, file.byteOffset + header.voxOffset, needed);
  const get = voxelGetter(view, header.dtype, header.littleEndian);
  const { slope, inter } = scaling(header);
  const data = new Float32Array(count);
  if (slope === 1 && inter === 0) {
    for (let i = 0; i < count; i++) data[i] = get(i); // stored values as they are (-0 stays -0)
  } else {
    for (let i = 0; i < count; i++) data[i] = get(i) * slope + inter;
  }
  return data;
}

/** scl_slope = 0 (or not finite) means "no scaling" (NIfTI-1 standard, field scl_slope). */
function scaling(header: NiftiHeader): { slope: number; inter: number } {
  const scaled = header.sclSlope !== 0 && Number.isFinite(header.sclSlope);
  if (!scaled) return { slope: 1, inter: 0 };
  return { slope: header.sclSlope, inter: Number.isFinite(header.sclInter) ? header.sclInter : 0 };
}

export function voxelGetter(view: DataView, dtype: NiftiDType, le: boolean): (i: number) => number {
  switch (dtype) {
    case 'uint8':
      return (i) => view.getUint8(i);
    case 'int8':
      return (i) => view.getInt8(i);
    case 'int16':
      return (i) => view.getInt16(2 * i, le);
    case 'uint16':
      return (i) => view.getUint16(2 * i, le);
    case 'int32':
      return (i) => view.getInt32(4 * i, le);
    case 'uint32':
      return (i) => view.getUint32(4 * i, le);
    case 'float32':
      return (i) => view.getFloat32(4 * i, le);
    case 'float64':
      return (i) => view.getFloat64(8 * i, le);
  }
}
