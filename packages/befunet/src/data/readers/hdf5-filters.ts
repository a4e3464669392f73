/**
 * Undoing an HDF5 filter pipeline on one chunk (File Format Specification 3.0, IV.A.2.l; filter
 * ids from H5Zpublic.h): deflate (1, a zlib stream), shuffle (2) and Fletcher-32 (3, whose 4
 * trailing checksum bytes are dropped unverified). Other filters are rejected by name.
 */

import { zlibDecompress } from '@befunet/io';
import type { Hdf5File } from './hdf5-cursor.js';
import type { Filter } from './hdf5-messages.js';

const DEFLATE = 1;
const SHUFFLE = 2;
const FLETCHER32 = 3;

const FILTER_NAMES: Record<number, string> = {
  4: 'szip',
  5: 'nbit',
  6: 'scaleoffset',
  307: 'bzip2',
  32000: 'lzf',
  32001: 'blosc',
  32004: 'lz4',
  32008: 'bitshuffle',
  32015: 'zstd',
};

/** Rejects pipelines this reader cannot undo, before any chunk is read. */
export function checkFilters(file: Hdf5File, filters: readonly Filter[]): void {
  for (const f of filters) {
    if (f.id !== DEFLATE && f.id !== SHUFFLE && f.id !== FLETCHER32) {
      file.fail(`unsupported filter ${f.id}${FILTER_NAMES[f.id] ? ` (${FILTER_NAMES[f.id]})` : ''}`);
    }
  }
}

/**
 * Undoes `filters` (applied in order when written) on the stored chunk `stored`, which must give
 * `size` bytes; bit i of `mask` set means filter i was skipped for this chunk.
 */
export function unfilterChunk(
  file: Hdf5File,
  filters: readonly Filter[],
  mask: number,
  stored: Uint8Array,
  size: number,
  elementSize: number,
  what: string,
): Uint8Array {
  // The size entering each filter when written: known up to the first deflate, which is the only
  // filter whose output size is not fixed; a second deflate after it cannot be sized.
  const inputSizes: number[] = [];
  let known: number | undefined = size;
  filters.forEach((f, i) => {
    inputSizes.push(known ?? Number.NaN);
    if (mask & (1 << i) || known === undefined) return;
    if (f.id === DEFLATE) known = undefined;
    else if (f.id === FLETCHER32) known += 4;
  });
  let data = stored;
  for (let i = filters.length - 1; i >= 0; i--) {
    if (mask & (1 << i)) continue;
    const id = filters[i]!.id;
    const expected = inputSizes[i]!;
    if (id === DEFLATE) {
      if (Number.isNaN(expected)) file.fail(`${what}: two deflate filters in one pipeline are not supported`);
      data = zlibDecompress(data, expected, `${file.source} (HDF5 ${what})`);
    } else if (id === SHUFFLE) data = unshuffle(data, elementSize);
    else if (id === FLETCHER32) {
      if (data.length < 4) file.fail(`${what}: too short for its Fletcher-32 checksum`);
      data = data.subarray(0, data.length - 4);
    }
  }
  if (data.length !== size) file.fail(`${what}: ${data.length} bytes after filters, expected ${size}`);
  return data;
}

/** Undoes the byte shuffle: byte b of element i was stored at b * n + i; a tail is left as is. */
function unshuffle(data: Uint8Array, elementSize: number): Uint8Array {
  const n = Math.floor(data.length / elementSize);
  if (elementSize <= 1 || n <= 1) return data;
  const out = data.slice();
  for (let b = 0; b < elementSize; b++)
    for (let i = 0; i < n; i++) out[i * elementSize + b] = data[b * n + i]!;
  return out;
}
