/**
 * The HDF5 header messages a dataset or group reader needs (File Format Specification 3.0,
 * IV.A.2): dataspace, datatype (fixed- and floating-point), data layout (compact, contiguous,
 * chunked), filter pipeline, link, link info and symbol table.
 */
import type { Cursor, Hdf5File } from './hdf5-cursor.js';
import type { HeaderMessage } from './hdf5-object-header.js';
import type { NpyDType } from './npy.js';

/** Dimensions cap (HDF5's own limit is 32). */
const MAX_RANK = 32;

function cursor(file: Hdf5File, message: HeaderMessage, what: string): Cursor {
  const c = file.at(message.at, message.data.length, `${what} message at ${message.at}`);
  if (message.flags & 0x02) file.fail(`${c.what}: shared (committed) messages are not supported`);
  return c;
}

/** Dataspace (IV.A.2.b): the dataset's shape; `[]` for a scalar. */
export function readDataspace(file: Hdf5File, message: HeaderMessage): number[] {
  const c = cursor(file, message, 'dataspace');
  const version = c.u8();
  const rank = c.u8();
  const flags = c.u8();
  if (version === 1) c.skip(5);
  else if (version === 2) {
    const type = c.u8();
    if (type === 2) file.fail(`${c.what}: null dataspace (no data)`);
  } else file.fail(`${c.what}: unsupported version ${version}`);
  if (rank > MAX_RANK) file.fail(`${c.what}: rank ${rank} exceeds ${MAX_RANK}`);
  void flags; // maximum dimensions (and v1 permutations) follow; a reader does not need them
  return Array.from({ length: rank }, () => c.length());
}

export interface Hdf5Type {
  readonly dtype: NpyDType;
  readonly size: number;
  readonly littleEndian: boolean;
}

const CLASS_NAMES = [
  'fixed-point',
  'floating-point',
  'time',
  'string',
  'bitfield',
  'opaque',
  'compound',
  'reference',
  'enumerated',
  'variable-length',
  'array',
];

/** Datatype (IV.A.2.d): integers of 1, 2, 4, 8 bytes and IEEE floats of 2, 4, 8 bytes, either byte order. */
export function readDatatype(file: Hdf5File, message: HeaderMessage): Hdf5Type {
  const c = cursor(file, message, 'datatype');
  const head = c.u8();
  const typeClass = head & 15;
  const bits = c.u8();
  c.skip(2);
  const size = c.u32();
  const littleEndian = (bits & 1) === 0;
  if (typeClass === 0) {
    const signed = (bits & 8) !== 0;
    const offset = c.u16();
    const precision = c.u16();
    const dtype = ({ 1: 'int8', 2: 'int16', 4: 'int32', 8: 'int64' } as const)[size as 1 | 2 | 4 | 8];
    if (!dtype || offset !== 0 || precision !== 8 * size) {
      file.fail(`${c.what}: unsupported ${size}-byte integer with ${precision} bits at bit ${offset}`);
    }
    return { dtype: signed ? dtype : (`u${dtype}` as NpyDType), size, littleEndian };
  }
  if (typeClass === 1) {
    if (bits & 0x40) file.fail(`${c.what}: VAX floating-point byte order is not supported`);
    const dtype = ({ 2: 'float16', 4: 'float32', 8: 'float64' } as const)[size as 2 | 4 | 8];
    if (!dtype) file.fail(`${c.what}: unsupported ${size}-byte floating-point type`);
    return { dtype, size, littleEndian };
  }
  return file.fail(`${c.what}: unsupported datatype class ${CLASS_NAMES[typeClass] ?? typeClass}`);
}

/** Where a chunked dataset's chunk index lives and how it is organised. */
export type ChunkIndex =
  | { kind: 'btree1'; address: number }
  | { kind: 'single'; address: number; filteredSize?: number; filterMask: number }
  | { kind: 'implicit'; address: number }
  | { kind: 'fixed-array'; address: number };

export type Layout =
  | { kind: 'compact'; data: Uint8Array }
  | { kind: 'contiguous'; address: number; size: number }
  | { kind: 'chunked'; chunk: number[]; index: ChunkIndex };

const INDEX_NAMES = ['', 'single chunk', 'implicit', 'fixed array', 'extensible array', 'version 2 B-tree'];

/** Data layout (IV.A.2.i), versions 1 to 4; `rank` is the dataspace's. */
export function readLayout(file: Hdf5File, message: HeaderMessage, rank: number): Layout {
  const c = cursor(file, message, 'data layout');
  const version = c.u8();
  const chunkDims = (count: number, read: () => number) => {
    // Chunk dimensions are followed by (v1-3) or end with (v4) the element size: keep `rank` of them.
    if (count !== rank + 1)
      file.fail(`${c.what}: chunk rank ${count - 1} differs from the dataspace rank ${rank}`);
    const dims = Array.from({ length: count }, read).slice(0, rank);
    if (dims.some((d) => d < 1)) file.fail(`${c.what}: chunk dimension 0`);
    return dims;
  };
  if (version === 1 || version === 2) {
    const count = c.u8();
    const kind = c.u8();
    c.skip(5);
    const address = kind === 0 ? 0 : c.address();
    const dims = Array.from({ length: count }, () => c.u32());
    if (kind === 0) return { kind: 'compact', data: c.take(c.u32()) };
    if (kind === 1) return { kind: 'contiguous', address, size: Number.NaN };
    if (kind === 2)
      return {
        kind: 'chunked',
        chunk: chunkDims(count, () => dims.shift()!),
        index: { kind: 'btree1', address },
      };
  } else if (version === 3 || version === 4) {
    const kind = c.u8();
    if (kind === 0) return { kind: 'compact', data: c.take(c.u16()) };
    if (kind === 1) return { kind: 'contiguous', address: c.address(), size: c.length() };
    if (kind === 2 && version === 3) {
      const count = c.u8();
      const address = c.address();
      return { kind: 'chunked', chunk: chunkDims(count, () => c.u32()), index: { kind: 'btree1', address } };
    }
    if (kind === 2) {
      const flags = c.u8();
      const count = c.u8();
      const width = c.u8();
      if (width < 1 || width > 8) file.fail(`${c.what}: chunk dimensions of ${width} bytes`);
      const chunk = chunkDims(count, () => c.uint(width));
      const indexType = c.u8();
      if (indexType === 1) {
        const filteredSize = flags & 2 ? c.length() : undefined;
        const filterMask = flags & 2 ? c.u32() : 0;
        return {
          kind: 'chunked',
          chunk,
          index: { kind: 'single', address: c.address(), filteredSize, filterMask },
        };
      }
      if (indexType === 2)
        return { kind: 'chunked', chunk, index: { kind: 'implicit', address: c.address() } };
      if (indexType === 3) {
        c.skip(1); // page bits, read again from the index header
        return { kind: 'chunked', chunk, index: { kind: 'fixed-array', address: c.address() } };
      }
      file.fail(`${c.what}: unsupported chunk index '${INDEX_NAMES[indexType] ?? indexType}'`);
    }
    if (kind === 3) file.fail(`${c.what}: virtual datasets are not supported`);
  }
  return file.fail(`${c.what}: unsupported layout (version ${version})`);
}

export interface Filter {
  readonly id: number;
  /** Bit 0: optional (may have been skipped). */
  readonly flags: number;
  readonly values: number[];
}

/** Filter pipeline (IV.A.2.l), versions 1 and 2. */
export function readFilters(file: Hdf5File, message: HeaderMessage): Filter[] {
  const c = cursor(file, message, 'filter pipeline');
  const version = c.u8();
  const count = c.u8();
  if (version === 1) c.skip(6);
  else if (version !== 2) file.fail(`${c.what}: unsupported version ${version}`);
  if (count > 32) file.fail(`${c.what}: ${count} filters (at most 32)`);
  return Array.from({ length: count }, () => {
    const id = c.u16();
    const nameLength = version === 1 || id >= 256 ? c.u16() : 0;
    const flags = c.u16();
    const valueCount = c.u16();
    c.skip(version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength);
    const values = Array.from({ length: valueCount }, () => c.u32());
    if (version === 1 && valueCount % 2) c.skip(4);
    return { id, flags, values };
  });
}

/** Link (IV.A.2.g): the name and target of a hard link; soft and external links give `undefined`. */
export function readLink(
  file: Hdf5File,
  message: HeaderMessage,
): { name: string; address: number } | undefined {
  const c = cursor(file, message, 'link');
  const version = c.u8();
  if (version !== 1) file.fail(`${c.what}: unsupported version ${version}`);
  const flags = c.u8();
  const type = flags & 0x08 ? c.u8() : 0;
  if (flags & 0x04) c.skip(8); // creation order
  if (flags & 0x10) c.skip(1); // character set
  const name = new TextDecoder().decode(c.take(c.uint(1 << (flags & 3))));
  return type === 0 ? { name, address: c.address() } : undefined;
}

/** Link info (IV.A.2.c): the fractal heap address of dense link storage, undefined-address when compact. */
export function readLinkInfo(file: Hdf5File, message: HeaderMessage): number {
  const c = cursor(file, message, 'link info');
  c.u8();
  const flags = c.u8();
  if (flags & 1) c.skip(8); // maximum creation index
  return c.address();
}

/** Symbol table (IV.A.2.r): a version 1 B-tree of the group's entries and the local heap of their names. */
export function readSymbolTable(file: Hdf5File, message: HeaderMessage): { btree: number; heap: number } {
  const c = cursor(file, message, 'symbol table');
  return { btree: c.address(), heap: c.address() };
}
