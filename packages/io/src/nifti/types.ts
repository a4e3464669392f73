/** The types of NIfTI volumes as `@befunet/io` returns and writes them. */

export type NiftiDType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** A 4x4 affine (row-major), voxel indices (i, j, k, 1) -> world (x, y, z, 1) in scanner space. */
export type Affine = [number[], number[], number[], number[]];

/** The header fields a reader or writer of volumes needs (NIfTI-1 or NIfTI-2). */
export interface NiftiHeader {
  /** 1 for NIfTI-1 (348-byte header), 2 for NIfTI-2 (540-byte header). */
  readonly version: 1 | 2;
  /** Whether the header is the `.hdr` of a `.hdr` + `.img` pair (magic "ni1" / "ni2"). */
  readonly pair: boolean;
  /** Whether the file was little-endian. */
  readonly littleEndian: boolean;
  /** dim[0..7]: dim[0] is the rank, dim[1..rank] the sizes. */
  readonly dim: readonly number[];
  /** pixdim[0..7]: pixdim[0] is qfac (+-1), pixdim[1..3] the voxel spacing. */
  readonly pixdim: readonly number[];
  readonly datatype: number;
  readonly dtype: NiftiDType;
  readonly bitpix: number;
  /** Where the voxels start: in the file, or in the `.img` of a pair. */
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
  /** Voxels after scaling by scl_slope / scl_inter, x fastest: `data[x + nx * (y + ny * z)]`. */
  readonly data: Float32Array;
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
