/**
 * Chunked HDF5 datasets (File Format Specification 3.0, IV.A.2.i and VII): the chunk list from a
 * version 1 B-tree (layout v1-3) or, for layout v4, a single-chunk, implicit or (unpaged) fixed
 * array index; then each chunk is read, unfiltered and copied into the dataset's extent. Chunks
 * never written read as zeros (the default fill value; fill value messages are not read). Each
 * chunk position may appear once, so the work is bounded by the dataset's size.
 */
import { walkBtreeV1 } from './hdf5-btree.js';
import { type Hdf5File, UNDEFINED_ADDRESS } from './hdf5-cursor.js';
import { checkFilters, unfilterChunk } from './hdf5-filters.js';
import type { ChunkIndex, Filter } from './hdf5-messages.js';

interface ChunkRecord {
  /** Element coordinates of the chunk's first element. */
  readonly offsets: number[];
  readonly address: number;
  /** Bytes stored (after filters). */
  readonly size: number;
  readonly filterMask: number;
}

/** Reads a chunked dataset of `shape` into row-major bytes in the file's byte order. */
export function readChunked(
  file: Hdf5File,
  index: ChunkIndex,
  shape: readonly number[],
  chunk: readonly number[],
  elementSize: number,
  filters: readonly Filter[],
): Uint8Array {
  checkFilters(file, filters);
  const chunkBytes = chunk.reduce((n, d) => n * d, elementSize);
  if (chunkBytes > 2 ** 32) file.fail(`chunk of [${chunk}] x ${elementSize} bytes exceeds 4 GiB`);
  const grid = shape.map((d, i) => Math.ceil(d / chunk[i]!));
  const out = new Uint8Array(shape.reduce((n, d) => n * d, elementSize));
  const done = new Set<number>();
  for (const record of chunkRecords(file, index, shape, chunk, chunkBytes, filters.length > 0)) {
    const what = `chunk at [${record.offsets}] (byte ${record.address})`;
    let cell = 0;
    record.offsets.forEach((o, i) => {
      if (o % chunk[i]! !== 0 || o >= shape[i]!)
        file.fail(`${what}: offset outside the dataset's chunk grid`);
      cell = cell * grid[i]! + o / chunk[i]!;
    });
    if (done.has(cell)) file.fail(`${what}: the same chunk is stored twice`);
    done.add(cell);
    if (record.address === UNDEFINED_ADDRESS) continue;
    const stored = file.at(record.address, record.size, what).bytes;
    const data = unfilterChunk(file, filters, record.filterMask, stored, chunkBytes, elementSize, what);
    copyChunk(out, shape, data, chunk, record.offsets, elementSize);
  }
  return out;
}

/** Copies the part of a full chunk at `offsets` that lies inside the dataset, row by row. */
function copyChunk(
  out: Uint8Array,
  shape: readonly number[],
  data: Uint8Array,
  chunk: readonly number[],
  offsets: readonly number[],
  elementSize: number,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out.set(data.subarray(0, elementSize));
    return;
  }
  const extent = shape.map((d, i) => Math.min(chunk[i]!, d - offsets[i]!));
  const rowBytes = extent[rank - 1]! * elementSize;
  const local = new Array<number>(rank).fill(0);
  while (true) {
    let src = 0;
    let dst = 0;
    for (let i = 0; i < rank; i++) {
      src = src * chunk[i]! + local[i]!;
      dst = dst * shape[i]! + offsets[i]! + local[i]!;
    }
    out.set(data.subarray(src * elementSize, src * elementSize + rowBytes), dst * elementSize);
    // Next row: odometer over every dimension but the last.
    let d = rank - 2;
    while (d >= 0 && ++local[d]! >= extent[d]!) local[d--] = 0;
    if (d < 0) return;
  }
}

function chunkRecords(
  file: Hdf5File,
  index: ChunkIndex,
  shape: readonly number[],
  chunk: readonly number[],
  chunkBytes: number,
  filtered: boolean,
): ChunkRecord[] {
  const rank = shape.length;
  const grid = shape.map((d, i) => Math.ceil(d / chunk[i]!));
  const cells = grid.reduce((n, g) => n * g, 1);
  /** The element offsets of chunk number `i` in row-major grid order. */
  const offsetsOf = (i: number) => {
    const offsets = new Array<number>(rank);
    for (let d = rank - 1; d >= 0; d--) {
      offsets[d] = (i % grid[d]!) * chunk[d]!;
      i = Math.floor(i / grid[d]!);
    }
    return offsets;
  };
  const records: ChunkRecord[] = [];
  switch (index.kind) {
    case 'btree1':
      // Key: chunk size, filter mask, rank + 1 offsets of 8 bytes (the last for the element size).
      walkBtreeV1(file, index.address, 1, 8 + 8 * (rank + 1), (key, child) => {
        const size = key.u32();
        const filterMask = key.u32();
        const offsets = Array.from({ length: rank }, () => key.uint(8));
        records.push({ offsets, address: child, size, filterMask });
      });
      return records;
    case 'single':
      return [
        {
          offsets: offsetsOf(0),
          address: index.address,
          size: index.filteredSize ?? chunkBytes,
          filterMask: index.filterMask,
        },
      ];
    case 'implicit':
      if (filtered) file.fail('implicit chunk index with filters');
      if (index.address === UNDEFINED_ADDRESS) return [];
      file.at(index.address, cells * chunkBytes, 'implicitly indexed chunks');
      return Array.from({ length: cells }, (_, i) => ({
        offsets: offsetsOf(i),
        address: index.address + i * chunkBytes,
        size: chunkBytes,
        filterMask: 0,
      }));
    case 'fixed-array':
      return fixedArray(file, index.address, cells, filtered, chunkBytes).map((e, i) => ({
        ...e,
        offsets: offsetsOf(i),
      }));
  }
}

/** A fixed array chunk index ("FAHD" header, one unpaged "FADB" data block; VII.C). */
function fixedArray(
  file: Hdf5File,
  address: number,
  cells: number,
  filtered: boolean,
  chunkBytes: number,
): Omit<ChunkRecord, 'offsets'>[] {
  if (address === UNDEFINED_ADDRESS) return [];
  const head = file.from(address, `fixed array header at ${address}`);
  head.signature('FAHD');
  head.skip(2); // version, client id
  const entrySize = head.u8();
  const pageBits = head.u8();
  const count = head.length();
  const blockAddress = head.address();
  if (count !== cells) file.fail(`${head.what}: ${count} entries for ${cells} chunks`);
  if (count > 2 ** pageBits)
    file.fail(`${head.what}: paged fixed array (more than 2^${pageBits} chunks) is not supported`);
  if (blockAddress === UNDEFINED_ADDRESS) return [];
  const block = file.from(blockAddress, `fixed array data block at ${blockAddress}`);
  block.signature('FADB');
  block.skip(2);
  block.address(); // header address
  const sizeBytes = entrySize - file.offsetSize - 4;
  if (filtered && (sizeBytes < 1 || sizeBytes > 8)) file.fail(`${head.what}: entry size ${entrySize}`);
  return Array.from({ length: count }, () => {
    const entryAddress = block.address();
    if (!filtered) return { address: entryAddress, size: chunkBytes, filterMask: 0 };
    const size = block.uint(sizeBytes);
    return { address: entryAddress, size, filterMask: block.u32() };
  });
}
