/**
 * Reader and writer for the safetensors format (https://huggingface.co/docs/safetensors):
 * an 8-byte little-endian header length N, N bytes of JSON header, then the raw little-endian data.
 *
 * Every structural problem (truncation, bad JSON, unknown dtype, offsets outside the data, sizes that
 * disagree with the shape) raises a FileFormatError naming the source and the tensor.
 */
import { FileFormatError } from './errors.js';

/** The dtypes the format defines, with their size in bytes. */
export const BYTES_PER_ELEMENT = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;

export type SafetensorsDType = keyof typeof BYTES_PER_ELEMENT;

/** One decoded tensor: floating types decode to Float32Array, integer and bool types to Int32Array. */
export interface SafetensorsEntry {
  /** The dtype stored in the file. */
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  /** The optional `__metadata__` string map of the header. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in header order. */
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
}

/** Largest header this reader accepts; the reference implementation uses the same 100 MB bound. */
const MAX_HEADER_BYTES = 100_000_000;

/** Parses safetensors bytes; `source` names the file in error messages. */
export function readSafetensors(bytes: Uint8Array, source = '<safetensors>'): SafetensorsFile {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, problem);
  };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES)
    fail(`declared header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`);
  if (8 + headerLength > bytes.byteLength) {
    fail(`declared header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (cause) {
    throw new FileFormatError(source, 'header is not valid UTF-8 JSON', { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = entry?.dtype;
    if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
      fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)}`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) fail(`tensor '${name}' data ends at ${end}, past the ${dataLength} data bytes`);
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    const itemSize = BYTES_PER_ELEMENT[dtype as SafetensorsDType];
    if (end - begin !== size * itemSize) {
      fail(
        `tensor '${name}' holds ${end - begin} bytes but shape ${JSON.stringify(shape)} x ${dtype} needs ${size * itemSize}`,
      );
    }
    const raw8 = bytes.subarray(dataStart + begin, dataStart + end);
    tensors.set(name, {
      dtype: dtype as SafetensorsDType,
      shape: shape as number[],
      values: decode(raw8, dtype as SafetensorsDType, size, (p) => fail(`tensor '${name}': ${p}`)),
    });
  }
  return { metadata, tensors };
}

function decode(
  raw: Uint8Array,
  dtype: SafetensorsDType,
  size: number,
  fail: (problem: string) => never,
): Float32Array | Int32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const out = new Float32Array(size);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < size; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'I64': {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) fail(`int64 value ${v} at index ${i} does not fit int32`);
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    }
    case 'I8':
      return Int32Array.from(new Int8Array(raw.buffer, raw.byteOffset, size));
    case 'U8':
    case 'BOOL':
      return Int32Array.from(raw);
  }
}

/** IEEE 754 half precision to a JS number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** A tensor to write: float32 or int32 values with their shape. */
export interface SafetensorsInput {
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array;
}

/** Serialises tensors (F32 for Float32Array, I32 for Int32Array) and string metadata to safetensors bytes. */
export function writeSafetensors(
  tensors: Readonly<Record<string, SafetensorsInput>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length) {
      throw new FileFormatError(
        name,
        `shape ${JSON.stringify(t.shape)} needs ${size} values, got ${t.values.length}`,
      );
    }
    header[name] = {
      dtype: t.values instanceof Float32Array ? 'F32' : 'I32',
      shape: t.shape,
      data_offsets: [offset, offset + 4 * size],
    };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so that the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    for (let i = 0; i < t.values.length; i++) {
      if (t.values instanceof Float32Array) view.setFloat32(at + 4 * i, t.values[i]!, true);
      else view.setInt32(at + 4 * i, t.values[i]!, true);
    }
    at += 4 * t.values.length;
  }
  return out;
}
