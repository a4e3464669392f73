/**
 * The NIfTI-1 / NIfTI-2 header, parsed by nifti-reader-js and checked here: the rank and sizes,
 * the datatype against bitpix, vox_offset, and a voxel count the file can hold. Header extensions
 * are skipped (only the 348 or 540 header bytes are given to the library).
 */
import { NIFTI1, NIFTI2 } from 'nifti-reader-js';
import { FileFormatError } from '../errors.js';
import { bestAffine, quaternToAffine, sformAffine } from './affine.js';
import { DATATYPES } from './datatypes.js';
import { type NiftiLayout, niftiLayout } from './layout.js';
import type { NiftiHeader } from './types.js';

type Parsed = NIFTI1 | NIFTI2;

/** Parses and validates the header at the start of `bytes` (uncompressed): NIfTI-1 or NIfTI-2. */
export function readNiftiHeader(bytes: Uint8Array, source = '<nifti>'): NiftiHeader {
  const layout = niftiLayout(bytes, source);
  const parsed = parseWithLibrary(bytes, layout, source);
  const fields = { srow: srowOf(parsed, bytes, layout), descrip: descripOf(bytes, layout) };
  return toHeader(parsed, layout, fields, source);
}

function parseWithLibrary(bytes: Uint8Array, layout: NiftiLayout, source: string): Parsed {
  const parsed = layout.version === 1 ? new NIFTI1() : new NIFTI2();
  // A copy of exactly the header: the library reads no extensions then.
  const header = bytes.slice(0, layout.size).buffer;
  try {
    parsed.readHeader(header);
  } catch (error) {
    throw new FileFormatError(source, `NIfTI: ${(error as Error).message}`, { cause: error });
  }
  return parsed;
}

/**
 * srow_x, srow_y, srow_z. nifti-reader-js keeps them (as `affine`) only when it picks the sform
 * (always for NIfTI-2; for NIfTI-1 when sform_code >= qform_code), so NIfTI-1's are read here.
 */
function srowOf(parsed: Parsed, bytes: Uint8Array, layout: NiftiLayout): NiftiHeader['srow'] {
  if (layout.version === 2) return [parsed.affine[0]!, parsed.affine[1]!, parsed.affine[2]!];
  const view = new DataView(bytes.buffer, bytes.byteOffset, layout.size);
  const row = (r: number) =>
    [0, 1, 2, 3].map((c) => view.getFloat32(280 + 16 * r + 4 * c, layout.littleEndian));
  return [row(0), row(1), row(2)];
}

/**
 * descrip, as the C string it is (up to its first NUL): nifti-reader-js drops every NUL of the 80
 * bytes and joins what is around them.
 */
function descripOf(bytes: Uint8Array, layout: NiftiLayout): string {
  const field = bytes.subarray(layout.version === 1 ? 148 : 240).subarray(0, 80);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

interface OwnFields {
  readonly srow: NiftiHeader['srow'];
  readonly descrip: string;
}

function toHeader(p: Parsed, layout: NiftiLayout, { srow, descrip }: OwnFields, source: string): NiftiHeader {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `NIfTI: ${problem}`);
  };
  const dim = [...p.dims];
  const pixdim = [...p.pixDims];
  checkDims(dim, fail);
  const type = DATATYPES[p.datatypeCode] ?? fail(`unsupported datatype ${p.datatypeCode}`);
  if (p.numBitsPerVoxel !== 8 * type.bytes)
    fail(`bitpix ${p.numBitsPerVoxel} does not match datatype ${type.dtype}`);
  const voxOffset = Math.round(p.vox_offset);
  const first = layout.pair ? 0 : layout.size;
  if (!Number.isFinite(p.vox_offset) || voxOffset < first)
    fail(`vox_offset ${p.vox_offset} is before the data`);
  const quatern = [p.quatern_b, p.quatern_c, p.quatern_d] as const;
  const qoffset = [p.qoffset_x, p.qoffset_y, p.qoffset_z] as const;
  const codes = { qformCode: p.qform_code, sformCode: p.sform_code };
  const qformMatrix = quaternToAffine(quatern, qoffset, pixdim);
  const sformMatrix = sformAffine(srow);
  return {
    version: layout.version,
    pair: layout.pair,
    littleEndian: layout.littleEndian,
    dim,
    pixdim,
    datatype: p.datatypeCode,
    dtype: type.dtype,
    bitpix: p.numBitsPerVoxel,
    voxOffset,
    sclSlope: p.scl_slope,
    sclInter: p.scl_inter,
    xyztUnits: p.xyzt_units,
    ...codes,
    quatern,
    qoffset,
    srow,
    descrip,
    qformMatrix,
    sformMatrix,
    affine: bestAffine(codes, qformMatrix, sformMatrix, pixdim),
  };
}

/** dim[0] is a rank in 1..7 and dim[1..rank] are positive integers. */
function checkDims(dim: readonly number[], fail: (problem: string) => never): void {
  const rank = dim[0]!;
  if (!(rank >= 1 && rank <= 7)) fail(`dim[0] = ${rank} is not a rank in 1..7`);
  for (let k = 1; k <= rank; k++) {
    if (!Number.isSafeInteger(dim[k]) || dim[k]! < 1) fail(`dim[${k}] = ${dim[k]} is not positive`);
  }
}
