/**
 * NRRD (teem's "nearly raw raster data", http://teem.sourceforge.net/nrrd/format.html, NRRD0001-5):
 * an attached `.nrrd` or a detached `.nhdr` with its data file; encodings raw, gzip and ascii.
 * Written here: the one npm reader (nrrd-js 0.2.1) is CommonJS, untyped and unmaintained (README).
 */
import { gunzip } from '../deflate.js';
import { FileFormatError } from '../errors.js';
import { CODE_OF, DATATYPES } from '../nifti/datatypes.js';
import { headerFromAffine } from '../nifti/from-affine.js';
import type { NiftiDType, NiftiVolume } from '../nifti/types.js';
import { affineFromAxes, decodeRawVoxels } from './raw-voxels.js';

/** The NRRD "type" spellings (format spec, field "type") of the types read. */
const TYPES: Record<string, NiftiDType> = {};
const spell = (dtype: NiftiDType, names: string) => {
  for (const n of names.split(',')) TYPES[n] = dtype;
};
spell('int8', 'signed char,int8,int8_t');
spell('uint8', 'uchar,unsigned char,uint8,uint8_t');
spell('int16', 'short,short int,signed short,signed short int,int16,int16_t');
spell('uint16', 'ushort,unsigned short,unsigned short int,uint16,uint16_t');
spell('int32', 'int,signed int,int32,int32_t');
spell('uint32', 'uint,unsigned int,uint32,uint32_t');
spell('float32', 'float');
spell('float64', 'double');

/** "space" values (field "space") -> the signs that take their axes to RAS. */
const SPACES: Record<string, readonly number[]> = {
  'right-anterior-superior': [1, 1, 1],
  ras: [1, 1, 1],
  'left-anterior-superior': [-1, 1, 1],
  las: [-1, 1, 1],
  'left-posterior-superior': [-1, -1, 1],
  lps: [-1, -1, 1],
};

export interface NrrdHeader {
  readonly fields: ReadonlyMap<string, string>;
  /** Where the data start in the file (attached), or -1 for a detached header. */
  readonly dataStart: number;
  /** The "data file" field of a detached header (one file; lists and patterns are refused). */
  readonly dataFile?: string;
}

/** The header lines of a `.nrrd` / `.nhdr`: the magic, then `field: value` up to a blank line. */
export function readNrrdHeader(bytes: Uint8Array, source = '<nrrd>'): NrrdHeader {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 1 << 16)));
  if (!/^NRRD000[1-5]\r?\n/.test(text))
    throw new FileFormatError(source, 'NRRD: the file does not start with a "NRRD000n" magic line');
  const fields = new Map<string, string>();
  let at = text.indexOf('\n') + 1;
  let dataStart = -1;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end).replace(/\r$/, '');
    at = end < 0 ? text.length : end + 1;
    if (line === '') {
      dataStart = at;
      break;
    }
    if (line.startsWith('#') || line.includes(':=')) continue; // comments, key/value pairs
    const colon = line.indexOf(': ');
    if (colon < 0) throw new FileFormatError(source, `NRRD: header line "${line}" is not "field: value"`);
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 2).trim());
  }
  const dataFile = fields.get('data file') ?? fields.get('datafile');
  if (dataFile !== undefined && /^LIST$|%/.test(dataFile.split(' ')[0]!)) {
    throw new FileFormatError(
      source,
      `NRRD: "data file: ${dataFile}" names several files; only one data file is read`,
    );
  }
  if (dataFile === undefined && dataStart < 0)
    throw new FileFormatError(source, 'NRRD: no blank line ends the header and no "data file" is named');
  return {
    fields,
    dataStart: dataFile === undefined ? dataStart : -1,
    ...(dataFile !== undefined && { dataFile }),
  };
}

/**
 * Reads a 3-D NRRD volume; for a detached header (`data file:`) pass the bytes of that file as
 * `dataBytes`. World coordinates from "space", "space directions" and "space origin", as RAS.
 */
export function readNrrd(bytes: Uint8Array, source = '<nrrd>', dataBytes?: Uint8Array): NiftiVolume {
  const header = readNrrdHeader(bytes, source);
  const field = (name: string) => header.fields.get(name);
  const shape = nrrdShape(field('dimension'), field('sizes'), source);
  const dtype = TYPES[field('type') ?? ''];
  if (!dtype)
    throw new FileFormatError(
      source,
      `NRRD: type "${field('type')}" is not read (int8..uint32, float, double)`,
    );
  if (Number(field('line skip') ?? field('lineskip') ?? 0) !== 0)
    throw new FileFormatError(source, 'NRRD: "line skip" is not supported');
  let data: Uint8Array;
  if (header.dataFile !== undefined) {
    if (!dataBytes)
      throw new FileFormatError(
        source,
        `NRRD: detached header: pass the bytes of its data file "${header.dataFile}"`,
      );
    data = dataBytes;
  } else data = bytes.subarray(header.dataStart);
  const dataSource = header.dataFile ?? source;
  const count = shape[0] * shape[1] * shape[2];
  const affine = affineFromAxes(...nrrdGeometry(field, source));
  const voxels = decodeNrrdData(data, field('encoding') ?? 'raw', field, count, dtype, dataSource);
  return { header: headerFromAffine(shape, affine, dtype, 'NRRD'), shape, data: voxels };
}

function nrrdShape(
  dimension: string | undefined,
  sizes: string | undefined,
  source: string,
): [number, number, number] {
  const n = (sizes ?? '').split(/\s+/).map(Number);
  if (dimension !== '3' || n.length !== 3 || n.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new FileFormatError(
      source,
      `NRRD: dimension ${dimension}, sizes "${sizes}": only 3-D scalar volumes are read`,
    );
  }
  return n as [number, number, number];
}

function decodeNrrdData(
  data: Uint8Array,
  encoding: string,
  field: (name: string) => string | undefined,
  count: number,
  dtype: NiftiDType,
  source: string,
): Float32Array {
  const little = (field('endian') ?? 'little') !== 'big';
  const skip = Number(field('byte skip') ?? field('byteskip') ?? 0);
  const enc = encoding.toLowerCase();
  if (enc === 'ascii' || enc === 'text' || enc === 'txt') {
    const values = new TextDecoder()
      .decode(data)
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (values.length < count || values.some((v) => Number.isNaN(v)))
      throw new FileFormatError(
        source,
        `NRRD: ascii data hold ${values.length} numbers, sizes need ${count}`,
      );
    return Float32Array.from(values.slice(0, count));
  }
  if (enc !== 'raw' && enc !== 'gzip' && enc !== 'gz')
    throw new FileFormatError(source, `NRRD: encoding "${encoding}" is not read (raw, gzip, ascii)`);
  const raw = enc === 'raw' ? data : gunzip(data, source);
  // byte skip -1 (format spec): the data are the last bytes of the (decompressed) file.
  const size = raw.length;
  const offset = skip === -1 ? size - count * bytesOf(dtype) : skip;
  return decodeRawVoxels(raw, offset, count, dtype, little, source);
}

const bytesOf = (dtype: NiftiDType) => DATATYPES[CODE_OF[dtype]]!.bytes;

/** Axis steps and origin from "space directions" / "space origin", or diagonal "spacings" without a space. */
function nrrdGeometry(
  field: (name: string) => string | undefined,
  source: string,
): [number[][], number[], readonly number[]] {
  const space = field('space');
  if (space === undefined) {
    const spacings = (field('spacings') ?? '1 1 1').split(/\s+/).map((s) => (s === 'nan' ? 1 : Number(s)));
    return [spacings.map((s, k) => [0, 1, 2].map((r) => (r === k ? s : 0))), [0, 0, 0], [1, 1, 1]];
  }
  const toRas = SPACES[space.toLowerCase()];
  if (!toRas) throw new FileFormatError(source, `NRRD: space "${space}" is not read (RAS, LAS, LPS)`);
  const directions = vectors(field('space directions') ?? '', source);
  if (directions.length !== 3)
    throw new FileFormatError(
      source,
      `NRRD: "space directions" must give 3 vectors, got "${field('space directions')}"`,
    );
  const origin =
    field('space origin') === undefined ? [0, 0, 0] : vectors(field('space origin')!, source)[0]!;
  return [directions, origin, toRas];
}

/** "(a,b,c) (d,e,f) ..." -> vectors of 3; "none" (a non-spatial axis) is refused. */
function vectors(text: string, source: string): number[][] {
  const found = text.match(/\([^)]*\)|none/g) ?? [];
  return found.map((v) => {
    const n = v === 'none' ? [] : v.slice(1, -1).split(',').map(Number);
    if (n.length !== 3 || n.some((x) => !Number.isFinite(x)))
      throw new FileFormatError(source, `NRRD: vector "${v}" is not 3 finite numbers`);
    return n;
  });
}
