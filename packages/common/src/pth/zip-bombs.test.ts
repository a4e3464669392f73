/**
 * Zip bombs are refused when the archive is opened, from the central directory alone: nothing is
 * inflated or allocated from a declared size.
 */
import { describe, expect, it } from 'vitest';
import { expectError } from '../../../testing/src/index.ts';
import { FileFormatError } from '../errors.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';
import { ZipArchive } from './zip.js';
import { writeZip } from './zip-writer.js';

const open = (bytes: Uint8Array, maxInflatedBytes?: number) =>
  ZipArchive.open(bytes, 'bomb.zip', { maxInflatedBytes });

describe('ZipArchive refuses zip bombs when opened', () => {
  it('refuses an entry declaring more than 1032 times its compressed size (a TiB from 100 bytes)', () => {
    const bomb = writeZip([{ name: 'x.npy', stored: new Uint8Array(100), size: 2 ** 40, method: 8 }]);
    expectError(
      () => open(bomb),
      FileFormatError,
      /^bomb\.zip: entry 'x\.npy' declares 1099511627776 bytes from 100 compressed, beyond DEFLATE's maximum ratio of 1032:1/,
    );
  });

  it('accepts the maximum ratio itself and refuses DEFLATE entries declaring more than the limit in all', () => {
    // 1000 compressed bytes may declare up to 1032 * 1000 + 16 (the bound inflateRaw also applies).
    const entry = (name: string) => ({ name, stored: new Uint8Array(1000), size: 1_032_016, method: 8 });
    expect(open(writeZip([entry('a')])).entries.size).toBe(1);
    const many = writeZip(Array.from({ length: 10 }, (_, i) => entry(`e${i}`)));
    expect(open(many, 10 * 1_032_016).entries.size).toBe(10);
    expectError(
      () => open(many, 10 * 1_032_016 - 1),
      FileFormatError,
      /DEFLATE entries declare 10320160 bytes in all, more than the limit of 10320159 .*raise maxInflatedBytes/,
    );
  });

  it('has a default limit of 1 GiB', () => {
    const entries = Array.from({ length: 1041 }, (_, i) => ({
      name: `e${i}`,
      stored: new Uint8Array(1000),
      size: 1_032_000,
      method: 8,
    }));
    expectError(() => open(writeZip(entries)), FileFormatError, /more than the limit of 1073741824/);
    expect(open(writeZip(entries.slice(0, 1040))).entries.size).toBe(1040);
  });

  it('refuses entries whose data overlap (one kernel under many names)', () => {
    const kernel = { name: 'k', data: new Uint8Array(64) };
    const shared = Array.from({ length: 3 }, (_, i) => ({
      name: `copy${i}`,
      localHeaderOffset: 0,
      stored: new Uint8Array(64),
    }));
    expectError(() => open(writeZip([kernel, ...shared])), FileFormatError, /entries '.*' and '.*' overlap/);
    // Starting inside another entry's data is an overlap too.
    const inside = writeZip([kernel, { name: 'inner', localHeaderOffset: 40, stored: new Uint8Array(8) }]);
    expectError(
      () => open(inside),
      FileFormatError,
      /entries 'k' and 'inner' overlap \(bytes \[0, 94\) and \[40, 78\)\)/,
    );
  });

  it('passes the limit through readTorchCheckpoint', () => {
    const bomb = writeZip([{ name: 'a/data.pkl', stored: new Uint8Array(1000), size: 1_000_000, method: 8 }]);
    expectError(
      () => readTorchCheckpoint(bomb, 'bomb.pth', { maxInflatedBytes: 999_999 }),
      FileFormatError,
      /^bomb\.pth: DEFLATE entries declare 1000000 bytes in all, more than the limit of 999999/,
    );
  });
});
