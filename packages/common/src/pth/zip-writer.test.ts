import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, ZipArchive } from './zip.js';
import { writeZip } from './zip-writer.js';

const bytesOf = (s: string) => new TextEncoder().encode(s);

describe('writeZip', () => {
  const files = [
    { name: 'a/data.pkl', data: bytesOf('pickle bytes') },
    { name: 'a/data/0', data: Uint8Array.from({ length: 300 }, (_, i) => i % 7), deflate: true },
    { name: 'empty', data: new Uint8Array(0) },
  ];

  it('writes archives the reader lists and reads back byte for byte', () => {
    const zip = ZipArchive.open(writeZip(files), 'w.zip');
    expect([...zip.entries.keys()]).toEqual(files.map((f) => f.name));
    for (const f of files) expect([...zip.read(f.name)]).toEqual([...f.data]);
  });

  it('stores DEFLATE data that zlib inflates, with the CRC-32 of the content', () => {
    const zip = ZipArchive.open(writeZip(files), 'w.zip');
    const entry = zip.entries.get('a/data/0')!;
    expect(entry.method).toBe(8);
    expect(entry.crc32).toBe(crc32(files[1]!.data));
    const bytes = writeZip(files);
    const start = entry.localHeaderOffset + 30 + 'a/data/0'.length;
    const stored = bytes.subarray(start, start + entry.compressedSize);
    expect([...inflateRawSync(stored)]).toEqual([...files[1]!.data]);
  });

  it('writes zip64 extra fields for declared sizes of 4 GiB or more', () => {
    const zip = ZipArchive.open(
      writeZip([{ name: 'big', stored: new Uint8Array(8), size: 2 ** 33, method: 0 }]),
    );
    expect(zip.entries.get('big')!.size).toBe(2 ** 33);
  });
});
