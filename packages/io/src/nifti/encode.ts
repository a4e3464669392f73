/**
 * The NIfTI-1 writer, for predicted label volumes. Written here: nifti-reader-js reads only, and no
 * maintained JavaScript library writes NIfTI. Files are uncompressed little-endian `.nii` (wrap them
 * with `gzip` for `.nii.gz`).
 */
import { ConfigError, InvalidValueError } from '../errors.js';
import { CODE_OF, DATATYPES, RANGE } from './datatypes.js';
import type { NiftiDType, NiftiHeader, NiftiOutput } from './types.js';

const HEADER_SIZE = 348;
/** The 348-byte header and the 4-byte extension flag (no extensions). */
const VOX_OFFSET = 352;

/**
 * Writes an uncompressed little-endian NIfTI-1 file. With `headerFrom`, the geometry of that header
 * is kept: pixdim, xyzt_units, qform and sform (codes, quaternion, offsets, rows) and the
 * description; the data are unscaled (scl_slope 1, inter 0).
 */
export function encodeNifti(volume: NiftiOutput, headerFrom?: NiftiHeader): Uint8Array {
  const dtype = volume.dtype ?? 'uint8';
  checkOutput(volume, dtype, headerFrom);
  const size = DATATYPES[CODE_OF[dtype]]!.bytes;
  const out = new Uint8Array(VOX_OFFSET + volume.data.length * size);
  const view = new DataView(out.buffer);
  writeLayout(view, volume.shape, dtype, headerFrom?.pixdim);
  if (headerFrom) writeGeometry(out, view, headerFrom);
  else writeIdentityGeometry(view);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  writeVoxels(view, volume.data, dtype, size);
  return out;
}

function checkOutput(volume: NiftiOutput, dtype: NiftiDType, headerFrom?: NiftiHeader): void {
  const { shape, data } = volume;
  if (CODE_OF[dtype] === undefined) throw new ConfigError(`encodeNifti: unknown dtype '${dtype}'`);
  if (shape.length < 1 || shape.length > 7 || shape.some((d) => !Number.isInteger(d) || d < 1 || d > 32767)) {
    throw new ConfigError(`encodeNifti: shape [${shape}] must have 1..7 sizes in 1..32767`);
  }
  const count = shape.reduce((n, d) => n * d, 1);
  if (data.length !== count) {
    throw new ConfigError(`encodeNifti: data has ${data.length} values, shape [${shape}] needs ${count}`);
  }
  if (!headerFrom) return;
  const rank = headerFrom.dim[0]!;
  for (let k = 0; k < Math.min(3, shape.length, rank); k++) {
    if (headerFrom.dim[k + 1] !== shape[k]) {
      throw new ConfigError(
        `encodeNifti: shape [${shape}] does not match the source header's dim [${headerFrom.dim.slice(1, rank + 1)}]`,
      );
    }
  }
}

/** sizeof_hdr, dim, datatype, bitpix, pixdim, vox_offset and scl_slope / scl_inter. */
function writeLayout(
  v: DataView,
  shape: readonly number[],
  dtype: NiftiDType,
  pixdim?: readonly number[],
): void {
  const datatype = CODE_OF[dtype];
  v.setInt32(0, HEADER_SIZE, true);
  v.setUint8(38, 'r'.charCodeAt(0)); // "regular"
  v.setInt16(40, shape.length, true);
  for (let k = 0; k < 7; k++) v.setInt16(42 + 2 * k, shape[k] ?? 1, true);
  v.setInt16(70, datatype, true);
  v.setInt16(72, 8 * DATATYPES[datatype]!.bytes, true);
  const p = pixdim ?? [1, 1, 1, 1, 1, 1, 1, 1];
  for (let k = 0; k < 8; k++) v.setFloat32(76 + 4 * k, k === 0 ? (p[0]! < 0 ? -1 : 1) : (p[k] ?? 1), true);
  v.setFloat32(108, VOX_OFFSET, true);
  v.setFloat32(112, 1, true);
  v.setFloat32(116, 0, true);
}

/** xyzt_units, descrip, the qform and the sform of `from`. */
function writeGeometry(out: Uint8Array, v: DataView, from: NiftiHeader): void {
  out[123] = from.xyztUnits;
  out.set(new TextEncoder().encode(from.descrip).subarray(0, 79), 148);
  v.setInt16(252, from.qformCode, true);
  v.setInt16(254, from.sformCode, true);
  [...from.quatern, ...from.qoffset].forEach((x, k) => {
    v.setFloat32(256 + 4 * k, x, true);
  });
  from.srow.forEach((row, r) => {
    row.forEach((x, c) => {
      v.setFloat32(280 + 16 * r + 4 * c, x, true);
    });
  });
}

/** No geometry given: unit voxels, the sform the identity with scanner-anat code 1. */
function writeIdentityGeometry(v: DataView): void {
  v.setInt16(254, 1, true);
  for (let r = 0; r < 3; r++) v.setFloat32(280 + 16 * r + 4 * r, 1, true);
}

function writeVoxels(v: DataView, data: ArrayLike<number>, dtype: NiftiDType, size: number): void {
  const [lo, hi] = RANGE[dtype];
  const integer = !dtype.startsWith('float');
  const put = voxelSetter(v, dtype);
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (integer && (!Number.isInteger(x) || x < lo || x > hi)) {
      throw new InvalidValueError(`encodeNifti: value ${x} at index ${i} is not a ${dtype}`);
    }
    put(VOX_OFFSET + i * size, x);
  }
}

function voxelSetter(v: DataView, dtype: NiftiDType): (at: number, x: number) => void {
  switch (dtype) {
    case 'uint8':
      return (at, x) => v.setUint8(at, x);
    case 'int8':
      return (at, x) => v.setInt8(at, x);
    case 'int16':
      return (at, x) => v.setInt16(at, x, true);
    case 'uint16':
      return (at, x) => v.setUint16(at, x, true);
    case 'int32':
      return (at, x) => v.setInt32(at, x, true);
    case 'uint32':
      return (at, x) => v.setUint32(at, x, true);
    case 'float32':
      return (at, x) => v.setFloat32(at, x, true);
    case 'float64':
      return (at, x) => v.setFloat64(at, x, true);
  }
}
