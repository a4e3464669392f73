/**
 * MetaImage (ITK's MetaIO, https://itk.org/Wiki/ITK/MetaIO/Documentation): `.mha` (header and data
 * in one file, ElementDataFile = LOCAL) or `.mhd` with a separate data file; raw or zlib
 * (CompressedData = True). World space is ITK's, LPS. Written here: no maintained JavaScript reader
 * exists apart from itk-wasm (README).
 */
import { zlibDecompress } from '../deflate.js';
import { FileFormatError } from '../errors.js';
import { CODE_OF, DATATYPES } from '../nifti/datatypes.js';
import { headerFromAffine } from '../nifti/from-affine.js';
import type { NiftiDType, NiftiVolume } from '../nifti/types.js';
import { affineFromAxes, decodeRawVoxels } from './raw-voxels.js';

/** ElementType values (MetaIO MET_ValueEnumType) read. */
const TYPES: Record<string, NiftiDType> = {
  MET_CHAR: 'int8',
  MET_UCHAR: 'uint8',
  MET_SHORT: 'int16',
  MET_USHORT: 'uint16',
  MET_INT: 'int32',
  MET_UINT: 'uint32',
  MET_LONG: 'int32', // MetaIO: 4 bytes
  MET_ULONG: 'uint32',
  MET_FLOAT: 'float32',
  MET_DOUBLE: 'float64',
};
const LPS_TO_RAS = [-1, -1, 1];

export interface MetaImageHeader {
  /** `Key = Value` fields, keys as written. */
  readonly fields: ReadonlyMap<string, string>;
  /** Where the data start in the file (after the ElementDataFile line). */
  readonly dataStart: number;
  /** ElementDataFile: 'LOCAL', or the name of the data file of a `.mhd`. */
  readonly dataFile: string;
}

/** The header of a `.mha` / `.mhd`: `Key = Value` lines, ending with ElementDataFile (MetaIO). */
export function readMetaImageHeader(bytes: Uint8Array, source = '<metaimage>'): MetaImageHeader {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 1 << 16)));
  const fields = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end).replace(/\r$/, '');
    at = end < 0 ? text.length : end + 1;
    const eq = line.indexOf('=');
    if (eq < 0) {
      if (line.trim() === '') continue;
      throw new FileFormatError(source, `MetaImage: header line "${line.slice(0, 60)}" is not "Key = Value"`);
    }
    const key = line.slice(0, eq).trim();
    fields.set(key, line.slice(eq + 1).trim());
    if (key === 'ElementDataFile') return { fields, dataStart: at, dataFile: fields.get(key)! };
  }
  throw new FileFormatError(source, 'MetaImage: the header has no ElementDataFile line');
}

/**
 * Reads a 3-D MetaImage; for a `.mhd` (ElementDataFile names a file) pass that file's bytes as
 * `dataBytes`. Voxel (i, j, k) lies at Offset + TransformMatrix x diag(ElementSpacing) x (i, j, k).
 */
export function readMetaImage(
  bytes: Uint8Array,
  source = '<metaimage>',
  dataBytes?: Uint8Array,
): NiftiVolume {
  const header = readMetaImageHeader(bytes, source);
  const field = (key: string) => header.fields.get(key);
  const shape = metaShape(field, source);
  const dtype = TYPES[field('ElementType') ?? ''];
  if (!dtype)
    throw new FileFormatError(
      source,
      `MetaImage: ElementType "${field('ElementType')}" is not read (MET_CHAR..MET_DOUBLE)`,
    );
  if (Number(field('ElementNumberOfChannels') ?? 1) !== 1)
    throw new FileFormatError(
      source,
      'MetaImage: only one channel per voxel is read (ElementNumberOfChannels)',
    );
  const local = header.dataFile.toUpperCase() === 'LOCAL';
  if (!local && /^LIST|%/.test(header.dataFile))
    throw new FileFormatError(
      source,
      `MetaImage: ElementDataFile "${header.dataFile}" names several files; one is read`,
    );
  if (!local && !dataBytes)
    throw new FileFormatError(source, `MetaImage: the data are in "${header.dataFile}": pass its bytes`);
  const data = local ? bytes.subarray(header.dataStart) : dataBytes!;
  const voxels = metaVoxels(
    data,
    field,
    shape[0] * shape[1] * shape[2],
    dtype,
    local ? source : header.dataFile,
  );
  const affine = affineFromAxes(...metaGeometry(field, source), LPS_TO_RAS);
  return { header: headerFromAffine(shape, affine, dtype, 'MetaImage'), shape, data: voxels };
}

const isTrue = (v: string | undefined) => v !== undefined && /^true$/i.test(v);

function numbers(
  field: (key: string) => string | undefined,
  keys: readonly string[],
  count: number,
  fallback: number[] | undefined,
  source: string,
): number[] {
  const key = keys.find((k) => field(k) !== undefined);
  if (key === undefined) {
    if (fallback) return fallback;
    throw new FileFormatError(source, `MetaImage: ${keys[0]} is missing`);
  }
  const n = field(key)!.split(/\s+/).map(Number);
  if (n.length !== count || n.some((x) => !Number.isFinite(x)))
    throw new FileFormatError(source, `MetaImage: ${key} must be ${count} numbers, it is "${field(key)}"`);
  return n;
}

function metaShape(field: (key: string) => string | undefined, source: string): [number, number, number] {
  if (field('NDims') !== '3')
    throw new FileFormatError(source, `MetaImage: NDims ${field('NDims')}: only 3-D volumes are read`);
  const dims = numbers(field, ['DimSize'], 3, undefined, source);
  if (dims.some((d) => !Number.isInteger(d) || d < 1))
    throw new FileFormatError(source, `MetaImage: DimSize "${field('DimSize')}" must be positive integers`);
  return dims as [number, number, number];
}

function metaVoxels(
  data: Uint8Array,
  field: (key: string) => string | undefined,
  count: number,
  dtype: NiftiDType,
  source: string,
): Float32Array {
  const msb = isTrue(field('BinaryDataByteOrderMSB') ?? field('ElementByteOrderMSB'));
  if (field('BinaryData') !== undefined && !isTrue(field('BinaryData')))
    throw new FileFormatError(source, 'MetaImage: BinaryData = False (ASCII data) is not read');
  const size = count * DATATYPES[CODE_OF[dtype]]!.bytes;
  if (isTrue(field('CompressedData'))) {
    return decodeRawVoxels(zlibDecompress(data, size, source), 0, count, dtype, !msb, source);
  }
  const skip = Number(field('HeaderSize') ?? 0); // -1: the data are the file's last bytes
  return decodeRawVoxels(data, skip === -1 ? data.length - size : skip, count, dtype, !msb, source);
}

/** Axis steps (TransformMatrix rows: the direction of axis 0, then 1, then 2, as ITK's MetaImageIO reads them) and Offset. */
function metaGeometry(field: (key: string) => string | undefined, source: string): [number[][], number[]] {
  const spacing = numbers(field, ['ElementSpacing'], 3, [1, 1, 1], source);
  const m = numbers(
    field,
    ['TransformMatrix', 'Rotation', 'Orientation'],
    9,
    [1, 0, 0, 0, 1, 0, 0, 0, 1],
    source,
  );
  const origin = numbers(field, ['Offset', 'Origin', 'Position'], 3, [0, 0, 0], source);
  return [[0, 1, 2].map((k) => [0, 1, 2].map((r) => m[3 * k + r]! * spacing[k]!)), origin];
}
