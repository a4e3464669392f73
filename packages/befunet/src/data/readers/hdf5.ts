/**
 * HDF5 files (File Format Specification 3.0) over Uint8Array: the subset h5py writes for numeric
 * arrays, enough for the Synapse test volumes (`case0001.npy.h5`: datasets `image`, `label`).
 *
 * Supported: superblock versions 0-3 (at 0 or after a user block), object headers v1 and v2,
 * old-style groups (symbol tables) and compact new-style groups (link messages), nested to
 * MAX_DEPTH; datasets with compact, contiguous or chunked layout (B-tree v1 index; for layout v4
 * the single-chunk, implicit and unpaged fixed-array indexes), filters deflate, shuffle and
 * Fletcher-32; integer (1, 2, 4, 8 bytes) and IEEE float (2, 4, 8 bytes) types in either byte
 * order; scalar and simple dataspaces. Rejected with a FileFormatError naming the feature: dense
 * link storage (fractal heaps), extensible-array and v2 B-tree chunk indexes, paged fixed arrays,
 * other filters (szip, blosc, lzf...), other datatypes (strings, compound...), shared messages,
 * virtual and external storage. Soft and external links are skipped; attributes are not read;
 * checksums are not verified; unwritten chunks and contiguous data read as zeros.
 *
 * Bounds: every structure must lie inside the file, a dataset may not hold more than
 * MAX_EXPANSION times the file size (DEFLATE's ratio limit) nor 2 GiB, groups nest at most
 * MAX_DEPTH deep, an object is visited once per path from the root, MAX_OBJECTS in all.
 */
import { readChunked } from './hdf5-chunks.js';
import { Hdf5File, UNDEFINED_ADDRESS } from './hdf5-cursor.js';
import { readGroupMembers } from './hdf5-group.js';
import { readDataspace, readDatatype, readFilters, readLayout } from './hdf5-messages.js';
import { type HeaderMessage, MESSAGE, readObjectHeader } from './hdf5-object-header.js';
import { decodeValues, type NpyArray } from './npy.js';

/** A dataset's values in C order, typed as `.npy` arrays are (64-bit integers as float64). */
export type Hdf5Dataset = NpyArray;

export interface Hdf5ReadOptions {
  /** Decode only these dataset paths (e.g. `['image', 'label']`); others are not read. Defaults to all. */
  readonly datasets?: readonly string[];
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n
const MAX_DEPTH = 32;
const MAX_OBJECTS = 100_000;
/** The most one stored byte can expand to through DEFLATE (RFC 1951: 258 bytes per 2-bit code). */
const MAX_EXPANSION = 1032;
const MAX_DATASET_BYTES = 2 ** 31;

/** True when `bytes` start with the HDF5 signature (a file without a user block). */
export function isHdf5(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Reads the datasets of the HDF5 file `bytes`, keyed by path from the root group without a
 * leading slash (`image`, `group/sub/data`); `source` names the file in error messages.
 */
export function readHdf5(
  bytes: Uint8Array,
  source = '<hdf5>',
  options: Hdf5ReadOptions = {},
): Map<string, Hdf5Dataset> {
  const file = new Hdf5File(bytes, source);
  const root = readSuperblock(file);
  const wanted = options.datasets ? new Set(options.datasets) : undefined;
  const datasets = new Map<string, Hdf5Dataset>();
  let objects = 0;
  const visit = (address: number, path: string, ancestors: readonly number[]) => {
    if (++objects > MAX_OBJECTS) file.fail(`more than ${MAX_OBJECTS} objects`);
    if (ancestors.includes(address)) file.fail(`group '${path}' contains itself (a link cycle)`);
    if (ancestors.length > MAX_DEPTH) file.fail(`groups nest deeper than ${MAX_DEPTH} at '${path}'`);
    const messages = readObjectHeader(file, address);
    if (messages.some((m) => m.type === MESSAGE.layout)) {
      if (!wanted || wanted.has(path)) datasets.set(path, readDataset(file, messages, path));
      return;
    }
    for (const member of readGroupMembers(file, messages)) {
      visit(member.address, path ? `${path}/${member.name}` : member.name, [...ancestors, address]);
    }
  };
  visit(root, '', []);
  return datasets;
}

/** Finds and reads the superblock (II.A); returns the root group's object header address. */
function readSuperblock(file: Hdf5File): number {
  const bytes = file.bytes;
  // The superblock is at 0 or, after a user block, at 512, 1024, 2048...
  let at = 0;
  while (!SIGNATURE.every((b, i) => bytes[at + i] === b)) {
    at = at === 0 ? 512 : at * 2;
    if (at + SIGNATURE.length > bytes.length) file.fail('no HDF5 signature (\\x89HDF\\r\\n\\x1a\\n) found');
  }
  const c = file.from(at + 8, `superblock at ${at}`);
  const version = c.u8();
  if (version > 3) file.fail(`unsupported superblock version ${version}`);
  let offsetSize: number;
  let lengthSize: number;
  if (version <= 1) {
    c.skip(4); // free-space, root group symbol table entry, reserved, shared header message versions
    offsetSize = c.u8();
    lengthSize = c.u8();
    c.skip(1 + 4 + 4 + (version === 1 ? 4 : 0)); // reserved, group K values, flags, indexed storage K
  } else {
    offsetSize = c.u8();
    lengthSize = c.u8();
    c.skip(1); // flags
  }
  for (const [name, size] of [
    ['offsets', offsetSize],
    ['lengths', lengthSize],
  ] as const) {
    if (size !== 2 && size !== 4 && size !== 8)
      file.fail(`${c.what}: size of ${name} is ${size} (2, 4 or 8 expected)`);
  }
  file.offsetSize = offsetSize;
  file.lengthSize = lengthSize;
  const base = c.address();
  if (base === UNDEFINED_ADDRESS) file.fail(`${c.what}: undefined base address`);
  file.baseAddress = base;
  if (version <= 1) {
    c.address(); // free-space info (reserved)
    c.address(); // end of file
    c.address(); // driver information block
    c.length(); // root group symbol table entry: link name offset
    return c.address();
  }
  c.address(); // superblock extension
  c.address(); // end of file
  return c.address();
}

function readDataset(file: Hdf5File, messages: readonly HeaderMessage[], path: string): Hdf5Dataset {
  const find = (type: number, name: string) =>
    messages.find((m) => m.type === type) ?? file.fail(`dataset '${path}' has no ${name} message`);
  const shape = readDataspace(file, find(MESSAGE.dataspace, 'dataspace'));
  const type = readDatatype(file, find(MESSAGE.datatype, 'datatype'));
  const layout = readLayout(file, find(MESSAGE.layout, 'data layout'), shape.length);
  const filterMessage = messages.find((m) => m.type === MESSAGE.filters);
  const filters = filterMessage ? readFilters(file, filterMessage) : [];
  const count = shape.reduce((n, d) => n * d, 1);
  const size = count * type.size;
  const limit = Math.min(MAX_DATASET_BYTES, MAX_EXPANSION * file.bytes.length);
  if (!Number.isSafeInteger(size) || size > limit) {
    file.fail(
      `dataset '${path}' of shape [${shape}] x ${type.size} bytes exceeds what a ${file.bytes.length}-byte file can hold`,
    );
  }
  let raw: Uint8Array;
  if (layout.kind === 'chunked')
    raw = readChunked(file, layout.index, shape, layout.chunk, type.size, filters);
  else {
    if (filters.length) file.fail(`dataset '${path}': filters on a ${layout.kind} layout`);
    if (layout.kind === 'compact') raw = layout.data;
    else if (layout.address === UNDEFINED_ADDRESS) raw = new Uint8Array(size);
    else raw = file.at(layout.address, size, `data of dataset '${path}'`).bytes;
    if (raw.length < size) file.fail(`dataset '${path}': ${raw.length} bytes stored, ${size} needed`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, size);
  return { dtype: type.dtype, shape, data: decodeValues(view, type.dtype, count, type.littleEndian) };
}
