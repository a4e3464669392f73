/**
 * The zlib (RFC 1950) and gzip (RFC 1952) containers around DEFLATE (RFC 1951), in pure
 * TypeScript over Uint8Array so they run in browsers too: PNG stores its pixels in a zlib
 * stream, `.nii.gz` volumes are gzip members.
 *
 * Decompression needs the decompressed size up front (PNG knows it from IHDR, gzip stores it in
 * its trailer), which bounds the work and the allocation. Compression is a small LZ77 coder
 * (hash chains over a 32 KiB window) emitting one fixed-Huffman block: far from zlib's ratio on
 * photographs, but label masks and overlays shrink well and any inflater reads it.
 */
import { crc32, deflateFixed, FileFormatError, inflateRaw } from '@befunet/common';

export { deflateFixed };

/** Adler-32 checksum (RFC 1950, section 8) of `data`. */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 is the largest block for which b cannot overflow 2^53 before the modulo (zlib uses it too).
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Decompresses the zlib stream `bytes` into exactly `size` bytes, checking header and Adler-32. */
export function zlibDecompress(bytes: Uint8Array, size: number, source = '<zlib>'): Uint8Array {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `zlib stream: ${problem}`);
  };
  if (bytes.length < 6) fail(`truncated (${bytes.length} bytes)`);
  const cmf = bytes[0]!;
  const flg = bytes[1]!;
  if ((cmf & 0x0f) !== 8) fail(`compression method ${cmf & 0x0f} is not DEFLATE (8)`);
  if (cmf >> 4 > 7) fail(`window size 2^${(cmf >> 4) + 8} exceeds 32 KiB`);
  if ((cmf * 256 + flg) % 31 !== 0) fail('header check bits are wrong');
  if (flg & 0x20) fail('a preset dictionary is required, which this format does not provide');
  const out = inflateRaw(bytes.subarray(2, bytes.length - 4), size, source);
  const at = bytes.length - 4;
  const stored = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const actual = adler32(out);
  if (stored !== actual) fail(`Adler-32 mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
  return out;
}

/** Compresses `data` into a zlib stream (header 0x78 0x01, one fixed-Huffman block, Adler-32). */
export function zlibCompress(data: Uint8Array): Uint8Array {
  const body = deflateFixed(data);
  const out = new Uint8Array(body.length + 6);
  out[0] = 0x78;
  out[1] = 0x01;
  out.set(body, 2);
  const adler = adler32(data);
  new DataView(out.buffer).setUint32(out.length - 4, adler, false);
  return out;
}

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a single-member gzip file: header with its optional fields (FEXTRA, FNAME,
 * FCOMMENT, FHCRC), DEFLATE body, then CRC-32 and ISIZE checked. Members larger than 4 GiB and
 * multi-member files (concatenated gzip streams) are not supported: the trailer is read from the
 * end of the file, so they fail the size or CRC check, except a repeat of identical members,
 * which reads as one (inflateRaw does not report where the DEFLATE stream ends).
 */
export function gunzip(bytes: Uint8Array, source = '<gzip>'): Uint8Array {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `gzip: ${problem}`);
  };
  if (bytes.length < 18) fail(`truncated (${bytes.length} bytes, a member has at least 18)`);
  if (!isGzip(bytes)) fail('missing magic number 1f 8b');
  if (bytes[2] !== 8) fail(`compression method ${bytes[2]} is not DEFLATE (8)`);
  const flags = bytes[3]!;
  if (flags & 0xe0) fail(`reserved flag bits set (0x${flags.toString(16)})`);
  let pos = 10;
  const need = (n: number, what: string) => {
    if (pos + n > bytes.length - 8) fail(`truncated in the ${what}`);
  };
  if (flags & 0x04) {
    need(2, 'extra field length');
    const xlen = bytes[pos]! | (bytes[pos + 1]! << 8);
    pos += 2;
    need(xlen, 'extra field');
    pos += xlen;
  }
  for (const [flag, what] of [
    [0x08, 'file name'],
    [0x10, 'comment'],
  ] as const) {
    if (!(flags & flag)) continue;
    while (true) {
      need(1, what);
      if (bytes[pos++] === 0) break;
    }
  }
  if (flags & 0x02) {
    need(2, 'header CRC');
    const stored = bytes[pos]! | (bytes[pos + 1]! << 8);
    if (stored !== (crc32(bytes.subarray(0, pos)) & 0xffff)) fail('header CRC-16 mismatch');
    pos += 2;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storedCrc = view.getUint32(bytes.length - 8, true);
  const size = view.getUint32(bytes.length - 4, true);
  const out = inflateRaw(bytes.subarray(pos, bytes.length - 8), size, source);
  const actual = crc32(out);
  if (actual !== storedCrc) {
    fail(
      `CRC-32 mismatch (stored ${hex(storedCrc)}, computed ${hex(actual)}); multi-member files are not supported`,
    );
  }
  return out;
}

/** Wraps `data` into a gzip member (no name, mtime 0, DEFLATE with fixed Huffman codes). */
export function gzip(data: Uint8Array): Uint8Array {
  const body = deflateFixed(data);
  const out = new Uint8Array(10 + body.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  out.set(body, 10);
  const view = new DataView(out.buffer);
  view.setUint32(out.length - 8, crc32(data), true);
  view.setUint32(out.length - 4, data.length >>> 0, true);
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
