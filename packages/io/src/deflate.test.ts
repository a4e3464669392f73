import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32 } from './checksums.js';
import { deflateRaw, gunzip, gunzipPrefix, gzip, isGzip, zlibCompress, zlibDecompress } from './deflate.js';
import { FileFormatError } from './errors.js';

const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog; '.repeat(40));
const noise = Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24);
const long = new Uint8Array(100_000).map((_, i) => (i % 1000 < 500 ? 0 : (i >> 3) & 0xff));

describe('adler32', () => {
  it('matches the known value of "Wikipedia" and node zlib', () => {
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
    // The trailer of a node zlib stream is the Adler-32 of its input, big-endian.
    const stream = zlib.deflateSync(long);
    expect(adler32(long)).toBe(stream.readUInt32BE(stream.length - 4));
  });
});

describe('deflateRaw / zlibCompress / gzip (read back by node zlib)', () => {
  for (const [name, data] of [
    ['empty', new Uint8Array(0)],
    ['one byte', new Uint8Array([7])],
    ['text', text],
    ['noise', noise],
    ['long runs (distances up to 32 KiB, matches of 258)', long],
  ] as const) {
    it(`round-trips ${name}`, () => {
      expect(new Uint8Array(zlib.inflateRawSync(deflateRaw(data)))).toEqual(data);
      expect(new Uint8Array(zlib.inflateSync(zlibCompress(data)))).toEqual(data);
      expect(new Uint8Array(zlib.gunzipSync(gzip(data)))).toEqual(data);
    });
  }

  it('compresses repetitive data', () => {
    expect(deflateRaw(text).length).toBeLessThan(text.length / 10);
    expect(deflateRaw(long).length).toBeLessThan(long.length / 4);
  });
});

describe('zlibDecompress', () => {
  it('reads node zlib streams and checks the Adler-32', () => {
    const stream = new Uint8Array(zlib.deflateSync(text, { level: 9 }));
    expect(zlibDecompress(stream, text.length)).toEqual(text);
    const bad = stream.slice();
    bad[bad.length - 1]! ^= 1;
    expect(() => zlibDecompress(bad, text.length, 's')).toThrow(/s: zlib stream: Adler-32 mismatch/);
  });

  it('rejects bad headers, preset dictionaries and wrong sizes', () => {
    const stream = new Uint8Array(zlib.deflateSync(text));
    const badCheck = stream.slice();
    badCheck[1]! ^= 1;
    expect(() => zlibDecompress(badCheck, text.length)).toThrow(/header check/);
    const badMethod = stream.slice();
    badMethod[0] = 0x77;
    expect(() => zlibDecompress(badMethod, text.length)).toThrow(/method 7/);
    const dict = new Uint8Array(zlib.deflateSync(text, { dictionary: Buffer.from('fox') }));
    expect(() => zlibDecompress(dict, text.length)).toThrow(/preset dictionary/);
    expect(() => zlibDecompress(stream, text.length + 1)).toThrow(FileFormatError);
    expect(() => zlibDecompress(stream.subarray(0, 3), text.length)).toThrow(/truncated/);
  });
});

describe('gunzip', () => {
  it('reads node gzip output', () => {
    const member = new Uint8Array(zlib.gzipSync(long));
    expect(isGzip(member)).toBe(true);
    expect(gunzip(member)).toEqual(long);
  });

  it('skips the optional FEXTRA, FNAME and FCOMMENT fields and checks FHCRC', () => {
    const head = Buffer.from([0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10 | 0x02, 0, 0, 0, 0, 0, 3, 3, 0, 1, 2, 3]);
    const name = Buffer.from('volume.nii\0comment here\0', 'latin1');
    const header = Buffer.concat([head, name]);
    const hcrc = Buffer.alloc(2);
    hcrc.writeUInt16LE(zlib.crc32(header) & 0xffff);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlib.crc32(text), 0);
    trailer.writeUInt32LE(text.length, 4);
    const file = new Uint8Array(Buffer.concat([header, hcrc, zlib.deflateRawSync(text), trailer]));
    expect(gunzip(file)).toEqual(text);
    const badHcrc = file.slice();
    badHcrc[header.length]! ^= 1;
    expect(() => gunzip(badHcrc, 'v.nii.gz')).toThrow(/v\.nii\.gz: gzip: header CRC-16 mismatch/);
  });

  it('rejects corrupt and truncated members', () => {
    const member = new Uint8Array(zlib.gzipSync(text));
    const badCrc = member.slice();
    badCrc[member.length - 6]! ^= 1;
    expect(() => gunzip(badCrc)).toThrow(/CRC-32 mismatch/);
    const badSize = member.slice();
    badSize[member.length - 4]! ^= 1;
    expect(() => gunzip(badSize)).toThrow(FileFormatError);
    for (let n = 0; n < member.length; n += 7)
      expect(() => gunzip(member.subarray(0, n))).toThrow(FileFormatError);
    const badFlags = member.slice();
    badFlags[3] = 0x80;
    expect(() => gunzip(badFlags)).toThrow(/reserved flag/);
    // Two members with different contents: the trailer (of the second) does not match the first.
    const twoMembers = new Uint8Array(Buffer.concat([zlib.gzipSync(text), zlib.gzipSync(noise)]));
    expect(() => gunzip(twoMembers)).toThrow(FileFormatError);
  });

  it('says a member cut short is truncated, naming the file, wherever the cut falls', () => {
    const member = new Uint8Array(zlib.gzipSync(long));
    for (const n of [2, 12, 30, 200, member.length - 9, member.length - 3, member.length - 1]) {
      expect(() => gunzip(member.subarray(0, n), 'x.nii.gz'), `cut at ${n}`).toThrow(
        /^x\.nii\.gz: truncated: the gzip stream ends before its end marker/,
      );
    }
  });
});

describe('gunzipPrefix', () => {
  it('inflates the start of a member without its end', () => {
    const member = new Uint8Array(zlib.gzipSync(long));
    expect(gunzipPrefix(member.subarray(0, 400), 1000)).toEqual(long.subarray(0, 1000));
    expect(gunzipPrefix(member, 10 ** 9)).toEqual(long);
    expect(() => gunzipPrefix(member.slice(0, 100).fill(0, 0, 2), 1000, 'h.nii.gz')).toThrow(
      /h\.nii\.gz: gzip: missing magic/,
    );
  });
});
