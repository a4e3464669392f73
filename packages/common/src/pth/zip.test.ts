import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectError, fixturePath } from '../../../testing/src/index.ts';
import { FileFormatError } from '../errors.js';
import { crc32, ZipArchive } from './zip.js';

interface RawEntry {
  name: string;
  data: Uint8Array;
  /** Compress the data with zlib and mark the entry DEFLATE (method 8). */
  deflate?: boolean;
  method?: number;
  flags?: number;
  crc?: number;
}

/** Writes a zip archive by hand following APPNOTE 6.3 (independent of the reader), optionally zip64. */
function writeZip(entries: RawEntry[], { zip64 = false, comment = '' } = {}): Uint8Array {
  const out: number[] = [];
  const le = (n: number, bytes: number) => {
    for (let i = 0; i < bytes; i++) out.push(Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
  };
  const text = (s: string) => out.push(...new TextEncoder().encode(s));
  const central: { entry: RawEntry; offset: number; crc: number; stored: Uint8Array; method: number }[] = [];
  for (const entry of entries) {
    const offset = out.length;
    const crc = entry.crc ?? crc32(entry.data);
    const stored = entry.deflate ? new Uint8Array(deflateRawSync(entry.data)) : entry.data;
    const method = entry.method ?? (entry.deflate ? 8 : 0);
    central.push({ entry, offset, crc, stored, method });
    le(0x04034b50, 4);
    le(zip64 ? 45 : 20, 2);
    le(entry.flags ?? 0, 2);
    le(method, 2);
    le(0, 4); // time, date
    le(crc, 4);
    le(zip64 ? 0xffffffff : stored.length, 4);
    le(zip64 ? 0xffffffff : entry.data.length, 4);
    le(new TextEncoder().encode(entry.name).length, 2);
    le(zip64 ? 20 : 3, 2);
    text(entry.name);
    if (zip64) {
      le(1, 2);
      le(16, 2);
      le(entry.data.length, 8);
      le(stored.length, 8);
    } else {
      out.push(0xfb, 0xfb, 0xfb); // padding, as torch writes for alignment (not a well-formed extra block)
    }
    out.push(...stored);
  }
  const directory = out.length;
  for (const { entry, offset, crc, stored, method } of central) {
    le(0x02014b50, 4);
    le(45, 2);
    le(zip64 ? 45 : 20, 2);
    le(entry.flags ?? 0, 2);
    le(method, 2);
    le(0, 4);
    le(crc, 4);
    le(zip64 ? 0xffffffff : stored.length, 4);
    le(zip64 ? 0xffffffff : entry.data.length, 4);
    le(new TextEncoder().encode(entry.name).length, 2);
    le(zip64 ? 28 : 0, 2);
    le(0, 2); // comment
    le(0, 2); // disk
    le(0, 2); // internal attributes
    le(0, 4); // external attributes
    le(zip64 ? 0xffffffff : offset, 4);
    text(entry.name);
    if (zip64) {
      le(1, 2);
      le(24, 2);
      le(entry.data.length, 8);
      le(stored.length, 8);
      le(offset, 8);
    }
  }
  const directorySize = out.length - directory;
  if (zip64) {
    const record = out.length;
    le(0x06064b50, 4);
    le(44, 8);
    le(45, 2);
    le(45, 2);
    le(0, 4);
    le(0, 4);
    le(entries.length, 8);
    le(entries.length, 8);
    le(directorySize, 8);
    le(directory, 8);
    le(0x07064b50, 4);
    le(0, 4);
    le(record, 8);
    le(1, 4);
  }
  le(0x06054b50, 4);
  le(0, 2);
  le(0, 2);
  le(zip64 ? 0xffff : entries.length, 2);
  le(zip64 ? 0xffff : entries.length, 2);
  le(zip64 ? 0xffffffff : directorySize, 4);
  le(zip64 ? 0xffffffff : directory, 4);
  le(new TextEncoder().encode(comment).length, 2);
  text(comment);
  return Uint8Array.from(out);
}

const bytesOf = (s: string) => new TextEncoder().encode(s);
const sample: RawEntry[] = [
  { name: 'a/data.pkl', data: bytesOf('pickle bytes') },
  { name: 'a/data/0', data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  { name: 'a/empty', data: new Uint8Array() },
  { name: 'a/text', data: bytesOf('compressible '.repeat(20)), deflate: true },
];

/** Asserts a FileFormatError (with a matching message). */
const expectFormatError = (fn: () => unknown, message?: RegExp) => expectError(fn, FileFormatError, message);

/** Opens and reads every entry. */
function readAll(bytes: Uint8Array, verifyChecksums = true): Map<string, Uint8Array> {
  const zip = ZipArchive.open(bytes, 'test.zip', { verifyChecksums });
  return new Map([...zip.entries.keys()].map((n) => [n, zip.read(n)]));
}

describe('crc32', () => {
  it('gives the standard check value of "123456789"', () => {
    expect(crc32(bytesOf('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it('agrees with a bit-at-a-time reference on every length up to 40 and at every alignment', () => {
    const reference = (data: Uint8Array) => {
      let crc = 0xffffffff;
      for (const byte of data) {
        crc ^= byte;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    const data = Uint8Array.from({ length: 48 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let start = 0; start < 8; start++) {
      for (let length = 0; start + length <= 40; length++) {
        const slice = data.subarray(start, start + length);
        expect(crc32(slice), `[${start}, ${start + length})`).toBe(reference(slice));
      }
    }
  });
});

describe('ZipArchive', () => {
  it('reads the official torch.save archive, verifying every CRC-32 miniz stored', () => {
    const zip = ZipArchive.open(new Uint8Array(readFileSync(fixturePath('official/official_mini.pth'))));
    expect(zip.entries.size).toBe(335);
    expect(new TextDecoder().decode(zip.read('official_mini/version'))).toBe('3\n');
    expect(zip.read('official_mini/data/0').length).toBe(64);
    let total = 0;
    for (const name of zip.entries.keys()) total += zip.read(name).length;
    expect(total).toBeGreaterThan(8_000_000);
  });

  it.each([false, true])('reads hand-written archives (zip64: %s) with a comment', (zip64) => {
    const files = readAll(writeZip(sample, { zip64, comment: 'a comment' }));
    expect([...files.keys()]).toEqual(sample.map((e) => e.name));
    for (const e of sample) expect([...files.get(e.name)!]).toEqual([...e.data]);
  });

  it('works on a view with a non-zero byteOffset', () => {
    const zip = writeZip(sample);
    const padded = new Uint8Array(zip.length + 5);
    padded.set(zip, 5);
    expect([...readAll(padded.subarray(5)).get('a/data/0')!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects other compression methods, encrypted entries, corrupt DEFLATE data and CRC mismatches', () => {
    const bzip2 = writeZip([{ name: 'x', data: bytesOf('abc'), method: 12 }]);
    expectFormatError(
      () => readAll(bzip2),
      /test\.zip: zip entry 'x': compression method 12 is not supported/,
    );
    const notDeflate = writeZip([{ name: 'x', data: Uint8Array.from([0xff, 0xff]), method: 8 }]);
    expectFormatError(() => readAll(notDeflate), /test\.zip \(zip entry 'x'\): DEFLATE stream/);
    const encrypted = writeZip([{ name: 'x', data: bytesOf('abc'), flags: 1 }]);
    expectFormatError(() => readAll(encrypted), /'x': entry is encrypted/);
    const corrupt = writeZip([{ name: 'x', data: bytesOf('abc'), crc: 1234 }]);
    expectFormatError(() => readAll(corrupt), /'x': CRC-32 mismatch/);
    expect(new TextDecoder().decode(readAll(corrupt, false).get('x'))).toBe('abc');
    const zip = ZipArchive.open(writeZip(sample), 'test.zip');
    expectFormatError(() => zip.read('missing'), /'missing': no such entry/);
  });

  it('rejects non-zip input and duplicate names', () => {
    expectFormatError(() => ZipArchive.open(new Uint8Array(10), 'tiny'), /tiny: file is 10 bytes/);
    expectFormatError(() => ZipArchive.open(new Uint8Array(100)), /no end-of-central-directory record/);
    const twice = writeZip([sample[0]!, sample[0]!]);
    expectFormatError(() => ZipArchive.open(twice), /appears twice/);
  });

  it.each([false, true])(
    'fails with a FileFormatError when truncated at every offset (zip64: %s)',
    (zip64) => {
      const zip = writeZip(sample, { zip64 });
      for (let cut = 0; cut < zip.length; cut++) expectFormatError(() => readAll(zip.subarray(0, cut)));
    },
  );

  it.each([false, true])(
    'never fails with anything but a FileFormatError on flipped bytes (zip64: %s)',
    (zip64) => {
      const zip = writeZip(sample, { zip64 });
      let rejected = 0;
      for (let at = 0; at < zip.length; at++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const copy = zip.slice();
          copy[at]! ^= mask;
          try {
            readAll(copy);
          } catch (e) {
            expect(e).toBeInstanceOf(FileFormatError);
            rejected++;
          }
        }
      }
      expect(rejected).toBeGreaterThan(zip.length); // flips in dates, attributes or padding are harmless
    },
  );
});
