/**
 * NIfTI-1 volumes (`.nii`, and `.nii.gz` through `gunzip`) over Uint8Array: the 348-byte header,
 * the voxels scaled by scl_slope/scl_inter into a Float32Array, and a writer that keeps the
 * geometry (pixdim, qform, sform, units) of a source header, for predicted label volumes.
 *
 * Voxels keep the file order: x fastest, then y, then z (then t...), i.e.
 * `data[x + nx * (y + ny * z)]`. Either byte order is read (detected from sizeof_hdr = 348);
 * files are written little-endian. Not supported: NIfTI-2, `.hdr/.img` pairs, the datatypes
 * binary, complex, RGB, int64 and float128; header extensions are skipped.
 */
import { ConfigError, FileFormatError, InvalidValueError } from '@befunet/common';
import { gunzip, isGzip } from '@befunet/io';

export type NiftiDType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

const DATATYPES: Record<number, { dtype: NiftiDType; bytes: number }> = {
  2: { dtype: 'uint8', bytes: 1 },
  4: { dtype: 'int16', bytes: 2 },
  8: { dtype: 'int32', bytes: 4 },
  16: { dtype: 'float32', bytes: 4 },
  64: { dtype: 'float64', bytes: 8 },
  256: { dtype: 'int8', bytes: 1 },
  512: { dtype: 'uint16', bytes: 2 },
  768: { dtype: 'uint32', bytes: 4 },
};
const CODE_OF: Record<NiftiDType, number> = {
  uint8: 2,
  int16: 4,
  int32: 8,
  float32: 16,
  float64: 64,
  int8: 256,
  uint16: 512,
  uint32: 768,
};

/** A 4x4 affine (row-major), voxel indices (i, j, k, 1) -> world (x, y, z, 1) in scanner space. */
export type Affine = [number[], number[], number[], number[]];

/** The header fields a reader or writer of volumes needs. */
export interface NiftiHeader {
  /** Whether the file was little-endian. */
  readonly littleEndian: boolean;
  /** dim[0..7]: dim[0] is the rank, dim[1..rank] the sizes. */
  readonly dim: readonly number[];
  /** pixdim[0..7]: pixdim[0] is qfac (+-1), pixdim[1..3] the voxel spacing. */
  readonly pixdim: readonly number[];
  readonly datatype: number;
  readonly dtype: NiftiDType;
  readonly bitpix: number;
  readonly voxOffset: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  readonly xyztUnits: number;
  readonly qformCode: number;
  readonly sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  readonly quatern: readonly [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z. */
  readonly qoffset: readonly [number, number, number];
  /** srow_x, srow_y, srow_z: the first three rows of the sform affine. */
  readonly srow: readonly [readonly number[], readonly number[], readonly number[]];
  readonly descrip: string;
  /** The qform affine (from quatern, qoffset, pixdim and qfac). */
  readonly qformMatrix: Affine;
  /** The sform affine (srow rows plus 0 0 0 1). */
  readonly sformMatrix: Affine;
  /** The affine to use: sform if sform_code > 0, else qform if qform_code > 0, else diag(pixdim). */
  readonly affine: Affine;
}

export interface NiftiVolume {
  readonly header: NiftiHeader;
  /** Sizes dim[1..rank], x first. */
  readonly shape: readonly number[];
  /** Voxels after scaling, x fastest. */
  readonly data: Float32Array;
}

/** A 2-D slice: `data[x + width * y]`. */
export interface NiftiSlice {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

const HEADER_SIZE = 348;

/** Reads a `.nii` file, or a `.nii.gz` one (detected by the gzip magic number). */
export function readNifti(bytes: Uint8Array, source = '<nifti>'): NiftiVolume {
  const raw = isGzip(bytes) ? gunzip(bytes, source) : bytes;
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `NIfTI: ${problem}`);
  };
  const header = readNiftiHeader(raw, source);
  const rank = header.dim[0]!;
  const shape = header.dim.slice(1, rank + 1);
  const count = shape.reduce((n, d) => n * d, 1);
  const { bytes: size } = DATATYPES[header.datatype]!;
  const needed = count * size;
  if (!Number.isSafeInteger(needed) || header.voxOffset + needed > raw.length) {
    fail(
      `dim [${shape}] of ${header.dtype} needs ${needed} bytes from offset ${header.voxOffset}, file has ${raw.length}`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset + header.voxOffset, needed);
  const le = header.littleEndian;
  const get: (i: number) => number = {
    uint8: (i: number) => view.getUint8(i),
    int8: (i: number) => view.getInt8(i),
    int16: (i: number) => view.getInt16(2 * i, le),
    uint16: (i: number) => view.getUint16(2 * i, le),
    int32: (i: number) => view.getInt32(4 * i, le),
    uint32: (i: number) => view.getUint32(4 * i, le),
    float32: (i: number) => view.getFloat32(4 * i, le),
    float64: (i: number) => view.getFloat64(8 * i, le),
  }[header.dtype];
  const data = new Float32Array(count);
  // scl_slope = 0 (or not finite) means "no scaling" (NIfTI-1 standard, field scl_slope).
  const scaled = header.sclSlope !== 0 && Number.isFinite(header.sclSlope);
  const slope = scaled ? header.sclSlope : 1;
  const inter = scaled && Number.isFinite(header.sclInter) ? header.sclInter : 0;
  for (let i = 0; i < count; i++) data[i] = get(i) * slope + inter;
  return { header, shape, data };
}

/** Parses and validates the 348-byte NIfTI-1 header at the start of `bytes` (uncompressed). */
export function readNiftiHeader(bytes: Uint8Array, source = '<nifti>'): NiftiHeader {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `NIfTI: ${problem}`);
  };
  if (bytes.length < HEADER_SIZE) fail(`truncated header (${bytes.length} of ${HEADER_SIZE} bytes)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  if (v.getInt32(0, true) === HEADER_SIZE) le = true;
  else if (v.getInt32(0, false) === HEADER_SIZE) le = false;
  else if (v.getInt32(0, true) === 540 || v.getInt32(0, false) === 540)
    return fail('NIfTI-2 files are not supported');
  else return fail(`sizeof_hdr is ${v.getInt32(0, true)}, not 348`);
  const magic = String.fromCharCode(...bytes.subarray(344, 347));
  if (magic === 'ni1') fail('separate .hdr/.img pairs are not supported (magic "ni1")');
  if (magic !== 'n+1' || bytes[347] !== 0) fail(`bad magic ${JSON.stringify(magic)}, expected "n+1"`);
  const i16 = (at: number) => v.getInt16(at, le);
  const f32 = (at: number) => v.getFloat32(at, le);
  const dim = Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k));
  const pixdim = Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k));
  const rank = dim[0]!;
  if (rank < 1 || rank > 7) fail(`dim[0] = ${rank} is not a rank in 1..7`);
  for (let k = 1; k <= rank; k++) if (dim[k]! < 1) fail(`dim[${k}] = ${dim[k]} is not positive`);
  const datatype = i16(70);
  const type = DATATYPES[datatype];
  if (!type) return fail(`unsupported datatype ${datatype}`);
  const bitpix = i16(72);
  if (bitpix !== 8 * type.bytes) fail(`bitpix ${bitpix} does not match datatype ${type.dtype}`);
  const voxOffsetRaw = f32(108);
  const voxOffset = Math.round(voxOffsetRaw);
  if (!Number.isFinite(voxOffsetRaw) || voxOffset < HEADER_SIZE)
    fail(`vox_offset ${voxOffsetRaw} is before the data`);
  const quatern = [f32(256), f32(260), f32(264)] as const;
  const qoffset = [f32(268), f32(272), f32(276)] as const;
  const srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))) as [
    number[],
    number[],
    number[],
  ];
  const qformCode = i16(252);
  const sformCode = i16(254);
  const qformMatrix = quaternToAffine(quatern, qoffset, pixdim);
  const sformMatrix: Affine = [srow[0], srow[1], srow[2], [0, 0, 0, 1]];
  const diag: Affine = [
    [pixdim[1]!, 0, 0, 0],
    [0, pixdim[2]!, 0, 0],
    [0, 0, pixdim[3]!, 0],
    [0, 0, 0, 1],
  ];
  const descripBytes = bytes.subarray(148, 228);
  const end = descripBytes.indexOf(0);
  return {
    littleEndian: le,
    dim,
    pixdim,
    datatype,
    dtype: type.dtype,
    bitpix,
    voxOffset,
    sclSlope: f32(112),
    sclInter: f32(116),
    xyztUnits: bytes[123]!,
    qformCode,
    sformCode,
    quatern,
    qoffset,
    srow,
    descrip: new TextDecoder().decode(end < 0 ? descripBytes : descripBytes.subarray(0, end)),
    qformMatrix,
    sformMatrix,
    affine: sformCode > 0 ? sformMatrix : qformCode > 0 ? qformMatrix : diag,
  };
}

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

/** What `encodeNifti` writes. */
export interface NiftiOutput {
  /** Sizes, x first (1 to 7 of them). */
  readonly shape: readonly number[];
  /** Values, x fastest; integers in range for integer dtypes. */
  readonly data: ArrayLike<number>;
  /** Stored type. Default 'uint8' (label volumes); 'int16' for labels above 255. */
  readonly dtype?: NiftiDType;
}

/**
 * Writes an uncompressed little-endian NIfTI-1 file (wrap it with `gzip` for `.nii.gz`). With
 * `headerFrom`, the geometry of that header is kept: pixdim, xyzt_units, qform and sform (codes,
 * quaternion, offsets, rows) and the description; the data are unscaled (scl_slope 1, inter 0).
 */
export function encodeNifti(volume: NiftiOutput, headerFrom?: NiftiHeader): Uint8Array {
  const { shape, data } = volume;
  const dtype = volume.dtype ?? 'uint8';
  const datatype = CODE_OF[dtype];
  if (datatype === undefined) throw new ConfigError(`encodeNifti: unknown dtype '${dtype}'`);
  if (shape.length < 1 || shape.length > 7 || shape.some((d) => !Number.isInteger(d) || d < 1 || d > 32767)) {
    throw new ConfigError(`encodeNifti: shape [${shape}] must have 1..7 sizes in 1..32767`);
  }
  const count = shape.reduce((n, d) => n * d, 1);
  if (data.length !== count) {
    throw new ConfigError(`encodeNifti: data has ${data.length} values, shape [${shape}] needs ${count}`);
  }
  if (headerFrom) {
    for (let k = 0; k < Math.min(3, shape.length, headerFrom.dim[0]!); k++) {
      if (headerFrom.dim[k + 1] !== shape[k]) {
        throw new ConfigError(
          `encodeNifti: shape [${shape}] does not match the source header's dim [${headerFrom.dim.slice(1, headerFrom.dim[0]! + 1)}]`,
        );
      }
    }
  }
  const size = DATATYPES[datatype]!.bytes;
  const voxOffset = 352; // 348-byte header + 4-byte extension flag (no extensions)
  const out = new Uint8Array(voxOffset + count * size);
  const v = new DataView(out.buffer);
  v.setInt32(0, HEADER_SIZE, true);
  out[38] = 'r'.charCodeAt(0); // "regular"
  v.setInt16(40, shape.length, true);
  for (let k = 0; k < 7; k++) v.setInt16(42 + 2 * k, shape[k] ?? 1, true);
  v.setInt16(70, datatype, true);
  v.setInt16(72, 8 * size, true);
  const pixdim = headerFrom?.pixdim ?? [1, 1, 1, 1, 1, 1, 1, 1];
  for (let k = 0; k < 8; k++)
    v.setFloat32(76 + 4 * k, k === 0 ? (pixdim[0]! < 0 ? -1 : 1) : (pixdim[k] ?? 1), true);
  v.setFloat32(108, voxOffset, true);
  v.setFloat32(112, 1, true);
  v.setFloat32(116, 0, true);
  if (headerFrom) {
    out[123] = headerFrom.xyztUnits;
    const descrip = new TextEncoder().encode(headerFrom.descrip).subarray(0, 79);
    out.set(descrip, 148);
    v.setInt16(252, headerFrom.qformCode, true);
    v.setInt16(254, headerFrom.sformCode, true);
    [...headerFrom.quatern, ...headerFrom.qoffset].forEach((x, k) => {
      v.setFloat32(256 + 4 * k, x, true);
    });
    headerFrom.srow.forEach((row, r) => {
      row.forEach((x, c) => {
        v.setFloat32(280 + 16 * r + 4 * c, x, true);
      });
    });
  } else {
    // No geometry given: unit voxels, the sform the identity with scanner-anat code 1.
    v.setInt16(254, 1, true);
    for (let r = 0; r < 3; r++) v.setFloat32(280 + 16 * r + 4 * r, 1, true);
  }
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  const [lo, hi] = RANGE[dtype];
  const integer = !dtype.startsWith('float');
  for (let i = 0; i < count; i++) {
    const x = data[i]!;
    if (integer && (!Number.isInteger(x) || x < lo || x > hi)) {
      throw new InvalidValueError(`encodeNifti: value ${x} at index ${i} is not a ${dtype}`);
    }
    const at = voxOffset + i * size;
    switch (dtype) {
      case 'uint8':
        v.setUint8(at, x);
        break;
      case 'int8':
        v.setInt8(at, x);
        break;
      case 'int16':
        v.setInt16(at, x, true);
        break;
      case 'uint16':
        v.setUint16(at, x, true);
        break;
      case 'int32':
        v.setInt32(at, x, true);
        break;
      case 'uint32':
        v.setUint32(at, x, true);
        break;
      case 'float32':
        v.setFloat32(at, x, true);
        break;
      case 'float64':
        v.setFloat64(at, x, true);
        break;
    }
  }
  return out;
}

const RANGE: Record<NiftiDType, [number, number]> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  float32: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
  float64: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
};

/** Intensity windowing: (v - lo) / (hi - lo) clipped to [0, 1] (e.g. CT abdomen window -125..275 HU). */
export function windowIntensity(data: ArrayLike<number>, lo: number, hi: number): Float32Array {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new ConfigError(`windowIntensity: need finite lo < hi, got lo=${lo}, hi=${hi}`);
  }
  const out = new Float32Array(data.length);
  const scale = 1 / (hi - lo);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(1, Math.max(0, (data[i]! - lo) * scale));
  return out;
}

/**
 * The axial slice z (the plane of the first two axes) of a volume of rank 3 or more, at index
 * `t` of the remaining axes flattened (default 0): `data[x + nx * y]`, a copy.
 */
export function sliceAxial(
  volume: { shape: readonly number[]; data: Float32Array },
  z: number,
  t = 0,
): NiftiSlice {
  const { shape, data } = volume;
  if (shape.length < 2) throw new ConfigError(`sliceAxial: volume of shape [${shape}] has no plane`);
  const [nx, ny] = shape as [number, number];
  const nz = shape[2] ?? 1;
  const nt = shape.slice(3).reduce((n, d) => n * d, 1);
  if (!Number.isInteger(z) || z < 0 || z >= nz)
    throw new ConfigError(`sliceAxial: z = ${z} is outside 0..${nz - 1}`);
  if (!Number.isInteger(t) || t < 0 || t >= nt)
    throw new ConfigError(`sliceAxial: t = ${t} is outside 0..${nt - 1}`);
  const start = (t * nz + z) * nx * ny;
  return { width: nx, height: ny, data: data.slice(start, start + nx * ny) };
}
