/**
 * NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0, see numpy.lib.format) over Uint8Array.
 *
 * Reads the simple dtypes of numeric arrays in either byte order (`<`, `>`, `|`, `=`): bool,
 * int8/16/32/64, uint8/16/32/64, float16/32/64; C or Fortran order, always returned in C order.
 * 64-bit integers come back as a Float64Array (exact up to 2^53); float16 as a Float32Array.
 * Structured, string, complex and object dtypes are rejected with a FileFormatError.
 */
import { ConfigError, FileFormatError } from '@befunet/common';

export type NpyDType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** One array, in C (row-major) order. */
export interface NpyArray {
  readonly dtype: NpyDType;
  /** Dimensions; `[]` for a scalar. */
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Type code (kind + item size) -> dtype. */
const CODES: Record<string, NpyDType> = {
  b1: 'bool',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
};

const ITEM_SIZE: Record<NpyDType, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
};

/** True when `bytes` start with the `.npy` magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads the `.npy` file `bytes`; `source` names it in error messages. */
export function readNpy(bytes: Uint8Array, source = '<npy>'): NpyArray {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `npy: ${problem}`);
  };
  if (bytes.length < 10) fail(`truncated (${bytes.length} bytes)`);
  if (!isNpy(bytes)) fail('missing magic string \\x93NUMPY');
  const major = bytes[6]!;
  if (major < 1 || major > 3) fail(`unsupported format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else {
    if (bytes.length < 12) fail(`truncated (${bytes.length} bytes)`);
    headerLength = view.getUint32(8, true);
    start = 12;
  }
  if (start + headerLength > bytes.length) {
    fail(`header declares ${headerLength} bytes but only ${bytes.length - start} remain`);
  }
  const headerBytes = bytes.subarray(start, start + headerLength);
  // Versions 1 and 2 are latin-1, 3 is UTF-8; every field parsed here is ASCII either way.
  const text = new TextDecoder('utf-8').decode(headerBytes);
  const header = parseHeader(text, fail);
  const { dtype, littleEndian, fortran, shape } = header;
  const count = shape.reduce((n, d) => n * d, 1);
  const dataStart = start + headerLength;
  const needed = count * ITEM_SIZE[dtype];
  if (!Number.isSafeInteger(needed) || dataStart + needed > bytes.length) {
    fail(
      `shape (${shape.join(', ')}) of ${dtype} needs ${needed} data bytes but only ${bytes.length - dataStart} remain`,
    );
  }
  const data = decodeValues(
    new DataView(bytes.buffer, bytes.byteOffset + dataStart, needed),
    dtype,
    count,
    littleEndian,
  );
  return { dtype, shape, data: fortran && shape.length > 1 ? fortranToC(data, shape) : data };
}

/** Writes an array as a version 1.0 `.npy` file (little-endian, C order). float16 is not written. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const { dtype, shape, data } = array;
  const count = shape.reduce((n, d) => n * d, 1);
  if (!(dtype in ITEM_SIZE) || dtype === 'float16')
    throw new ConfigError(`encodeNpy: cannot write dtype ${dtype}`);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ConfigError(`encodeNpy: invalid shape [${shape}]`);
  if (data.length !== count) {
    throw new ConfigError(`encodeNpy: data has ${data.length} values, shape [${shape}] needs ${count}`);
  }
  const code = Object.keys(CODES).find((k) => CODES[k] === dtype)!;
  const order = code[1] === '1' ? '|' : '<';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${order}${code}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends in '\n'.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = `${dict.padEnd(total - 10 - 1, ' ')}\n`;
  if (dict.length > 0xffff) throw new ConfigError('encodeNpy: header too long for format 1.0');
  const size = ITEM_SIZE[dtype];
  const out = new Uint8Array(total + count * size);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  for (let i = 0; i < count; i++) {
    const at = total + i * size;
    const v = data[i]!;
    switch (dtype) {
      case 'bool':
        out[at] = v ? 1 : 0;
        break;
      case 'int8':
        view.setInt8(at, v);
        break;
      case 'uint8':
        view.setUint8(at, v);
        break;
      case 'int16':
        view.setInt16(at, v, true);
        break;
      case 'uint16':
        view.setUint16(at, v, true);
        break;
      case 'int32':
        view.setInt32(at, v, true);
        break;
      case 'uint32':
        view.setUint32(at, v, true);
        break;
      case 'int64':
        view.setBigInt64(at, BigInt(Math.trunc(v)), true);
        break;
      case 'uint64':
        view.setBigUint64(at, BigInt(Math.trunc(v)), true);
        break;
      case 'float32':
        view.setFloat32(at, v, true);
        break;
      case 'float64':
        view.setFloat64(at, v, true);
        break;
    }
  }
  return out;
}

interface Header {
  dtype: NpyDType;
  littleEndian: boolean;
  fortran: boolean;
  shape: number[];
}

/**
 * Parses the header, a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`: string keys, and values that
 * are strings, True/False, or tuples of integers.
 */
function parseHeader(text: string, fail: (problem: string) => never): Header {
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string) => {
    skip();
    if (text[i] !== c) fail(`header: expected '${c}' at ${i} in ${JSON.stringify(text.trim())}`);
    i++;
  };
  const string = (): string => {
    skip();
    const quote = text[i];
    if (quote !== "'" && quote !== '"') return fail(`header: expected a string at ${i}`);
    const end = text.indexOf(quote, i + 1);
    if (end < 0) fail('header: unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === "'" || c === '"') return string();
    if (c === '(') {
      i++;
      const items: number[] = [];
      while (true) {
        skip();
        if (text[i] === ')') {
          i++;
          return items;
        }
        const m = /^\d+L?/.exec(text.slice(i, i + 24));
        if (!m) return fail(`header: expected a dimension at ${i}`);
        items.push(Number.parseInt(m[0], 10));
        i += m[0].length;
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail(`header: expected ',' or ')' at ${i}`);
      }
    }
    if (text.startsWith('True', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('False', i)) {
      i += 5;
      return false;
    }
    if (c === '[') return fail('header: structured dtypes are not supported');
    return fail(`header: unexpected value at ${i}`);
  };
  const dict: Record<string, unknown> = {};
  expect('{');
  while (true) {
    skip();
    if (text[i] === '}') break;
    const key = string();
    expect(':');
    dict[key] = value();
    skip();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`header: expected ',' or '}' at ${i}`);
  }
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string') return fail("header: missing 'descr'");
  if (typeof fortran !== 'boolean') return fail("header: missing 'fortran_order'");
  if (!Array.isArray(shape)) return fail("header: missing 'shape'");
  const m = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m ? CODES[m[2]!] : undefined;
  if (!m || !dtype) return fail(`unsupported dtype '${descr}'`);
  if (m[1] === '>' && ITEM_SIZE[dtype] === 1) fail(`invalid dtype '${descr}'`);
  if (shape.some((d: number) => !Number.isSafeInteger(d))) fail(`invalid shape (${shape.join(', ')})`);
  return { dtype, littleEndian: m[1] !== '>', fortran, shape: shape as number[] };
}

/** Values of `count` elements of `dtype` from `view` (byte order `le`); also used by the HDF5 reader. */
export function decodeValues(view: DataView, dtype: NpyDType, count: number, le: boolean): NpyData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  switch (dtype) {
    case 'bool': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    }
    case 'uint8':
      return bytes.slice();
    case 'int8':
      return new Int8Array(bytes.slice().buffer);
    case 'int16':
      return fill(new Int16Array(count), (i) => view.getInt16(2 * i, le));
    case 'uint16':
      return fill(new Uint16Array(count), (i) => view.getUint16(2 * i, le));
    case 'int32':
      return fill(new Int32Array(count), (i) => view.getInt32(4 * i, le));
    case 'uint32':
      return fill(new Uint32Array(count), (i) => view.getUint32(4 * i, le));
    case 'int64':
      return fill(new Float64Array(count), (i) => Number(view.getBigInt64(8 * i, le)));
    case 'uint64':
      return fill(new Float64Array(count), (i) => Number(view.getBigUint64(8 * i, le)));
    case 'float16':
      return fill(new Float32Array(count), (i) => halfToFloat(view.getUint16(2 * i, le)));
    case 'float32':
      return fill(new Float32Array(count), (i) => view.getFloat32(4 * i, le));
    case 'float64':
      return fill(new Float64Array(count), (i) => view.getFloat64(8 * i, le));
  }
}

function fill<T extends NpyData>(out: T, get: (i: number) => number): T {
  for (let i = 0; i < out.length; i++) out[i] = get(i);
  return out;
}

/** IEEE 754 binary16 -> number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Reorders column-major (first index fastest) values into row-major order. */
function fortranToC<T extends NpyData>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const rank = shape.length;
  const fStrides = new Array<number>(rank);
  for (let d = 0, s = 1; d < rank; d++) {
    fStrides[d] = s;
    s *= shape[d]!;
  }
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let d = 0; d < rank; d++) f += index[d]! * fStrides[d]!;
    out[c] = data[f]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}
