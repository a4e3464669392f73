/**
 * DEFLATE (RFC 1951) and its zlib (RFC 1950) and gzip (RFC 1952) containers, on fflate: one
 * inflate for zip entries, PNG pixels, `.nii.gz` volumes and HDF5 chunks.
 *
 * Decompression takes the decompressed size up front (the zip directory, PNG's IHDR and the gzip
 * trailer state it): the output is a buffer of exactly that size, a declared size no DEFLATE stream
 * could reach from its input (more than 1032:1) is refused before anything is allocated, and a stream
 * that would write more stops as soon as it does (it is fed to fflate in 1 KiB pieces), so a zip
 * bomb costs neither memory nor time. The container headers and checksums (which fflate skips) are
 * checked here, each failure a FileFormatError naming the file and the problem.
 */
import { deflateSync, Inflate } from 'fflate';
import { adler32, crc32 } from './checksums.js';
import { FileFormatError } from './errors.js';

/** The most a DEFLATE stream can expand: 258 bytes per (at best) 2-bit length/distance code. */
export const MAX_DEFLATE_RATIO = 1032;

/** The largest output `compressed` bytes of DEFLATE can inflate to. */
export const maxInflatedSize = (compressed: number): number => MAX_DEFLATE_RATIO * compressed + 16;

/**
 * Input is given to fflate in pieces of this size: DEFLATE expands at most 1032:1, so an over-long
 * output is caught within ~1 MiB of the bound (16 KiB pieces let a bomb grow 16 MiB per piece).
 */
const PIECE = 1024;

/** fflate's error codes (its `err` table) that a corrupt stream raises, as our messages. */
const FFLATE_PROBLEMS: Record<number, string> = {
  1: 'invalid block type 3',
  2: 'invalid literal/length code',
  3: 'invalid distance (an unused code, or one reaching before the start of the output)',
};

const truncatedProblem = (container: string) =>
  `truncated: the ${container} stream ends before its end marker`;

/**
 * Runs fflate's streaming inflater over the raw DEFLATE stream `input`, handing each piece of output
 * to `sink` (which may throw to stop). Bytes after the stream's final block are ignored.
 */
function inflatePieces(
  input: Uint8Array,
  source: string,
  container: string,
  sink: (piece: Uint8Array) => void,
  complete = true,
): void {
  if (input.length === 0) {
    if (complete) throw new FileFormatError(source, truncatedProblem(container));
    return;
  }
  let sinkError: unknown;
  const inflater = new Inflate((piece) => {
    try {
      sink(piece);
    } catch (error) {
      sinkError = error;
      throw error;
    }
  });
  try {
    for (let at = 0; at < input.length; at += PIECE) {
      const end = Math.min(at + PIECE, input.length);
      inflater.push(input.subarray(at, end), complete && end === input.length);
    }
  } catch (error) {
    if (error === sinkError) throw error;
    const code = (error as { code?: unknown }).code;
    const problem =
      code === 0
        ? truncatedProblem(container)
        : `${container} stream: ${(typeof code === 'number' && FFLATE_PROBLEMS[code]) || (error as Error).message}`;
    throw new FileFormatError(source, problem, { cause: error });
  }
}

/**
 * Decompresses the raw DEFLATE stream `input` into exactly `size` bytes. `container` names the
 * stream in messages ('DEFLATE', 'zlib', 'gzip').
 */
export function inflateRaw(
  input: Uint8Array,
  size: number,
  source = '<deflate>',
  container = 'DEFLATE',
): Uint8Array {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `${container} stream: ${problem}`);
  };
  if (!Number.isSafeInteger(size) || size < 0) fail(`invalid output size ${size}`);
  if (size > maxInflatedSize(input.length)) {
    fail(`${input.length} compressed bytes cannot inflate to the declared ${size}`);
  }
  const out = new Uint8Array(size);
  let written = 0;
  inflatePieces(input, source, container, (piece) => {
    if (written + piece.length > size) fail(`inflates to more than the declared ${size} bytes`);
    out.set(piece, written);
    written += piece.length;
  });
  if (written !== size) fail(`inflates to ${written} bytes, not the declared ${size}`);
  return out;
}

/** True when the DEFLATE stream `input` ends before its final block does (checked up to its size bound). */
function isTruncated(input: Uint8Array, source: string): boolean {
  let total = 0;
  const bound = maxInflatedSize(input.length);
  try {
    inflatePieces(input, source, 'DEFLATE', (piece) => {
      total += piece.length;
      if (total > bound) throw new FileFormatError(source, 'over the bound');
    });
  } catch (error) {
    return error instanceof FileFormatError && error.message.includes(truncatedProblem('DEFLATE'));
  }
  return false;
}

/** Compresses `data` into a raw DEFLATE stream (fflate, level 6). */
export function deflateRaw(data: Uint8Array): Uint8Array {
  return deflateSync(data, { level: 6 });
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
  const out = inflateRaw(bytes.subarray(2, bytes.length - 4), size, source, 'zlib');
  const at = bytes.length - 4;
  const stored = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const actual = adler32(out);
  if (stored !== actual) fail(`Adler-32 mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
  return out;
}

/** Compresses `data` into a zlib stream (fflate, level 6, Adler-32 trailer). */
export function zlibCompress(data: Uint8Array): Uint8Array {
  const body = deflateRaw(data);
  const out = new Uint8Array(body.length + 6);
  out[0] = 0x78;
  out[1] = 0x9c;
  out.set(body, 2);
  new DataView(out.buffer).setUint32(out.length - 4, adler32(data), false);
  return out;
}

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Where the DEFLATE body of the gzip member `bytes` starts, after the header and its optional fields. */
function gzipBodyStart(bytes: Uint8Array, fail: (problem: string) => never, trailer: number): number {
  if (!isGzip(bytes)) fail('missing magic number 1f 8b');
  if (bytes[2] !== 8) fail(`compression method ${bytes[2]} is not DEFLATE (8)`);
  const flags = bytes[3]!;
  if (flags & 0xe0) fail(`reserved flag bits set (0x${flags.toString(16)})`);
  let pos = 10;
  const need = (n: number, what: string) => {
    if (pos + n > bytes.length - trailer) fail(`truncated in the ${what}`);
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
  return pos;
}

/**
 * Decompresses a single-member gzip file: header with its optional fields (FEXTRA, FNAME,
 * FCOMMENT, FHCRC), DEFLATE body into a buffer of the trailer's ISIZE, then CRC-32 checked. A file
 * cut short says it is truncated. Members larger than 4 GiB and multi-member files (concatenated
 * gzip streams) are not supported: the trailer is read from the end of the file, so they fail the
 * size or CRC check, except a repeat of identical members, which reads as one.
 */
export function gunzip(bytes: Uint8Array, source = '<gzip>'): Uint8Array {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `gzip: ${problem}`);
  };
  if (bytes.length < 18) {
    if (bytes.length < 2 || isGzip(bytes)) {
      throw new FileFormatError(
        source,
        `${truncatedProblem('gzip')} (${bytes.length} bytes, a member has at least 18)`,
      );
    }
    fail('missing magic number 1f 8b');
  }
  const pos = gzipBodyStart(bytes, fail, 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storedCrc = view.getUint32(bytes.length - 8, true);
  const size = view.getUint32(bytes.length - 4, true);
  const body = bytes.subarray(pos, bytes.length - 8);
  let out: Uint8Array;
  try {
    out = inflateRaw(body, size, source, 'gzip');
  } catch (error) {
    // A file cut short has no trailer: its last 8 bytes are DEFLATE data read as a CRC and a size.
    // Say so rather than report that size.
    if (error instanceof FileFormatError && !/truncated/.test(error.message) && isTruncated(body, source)) {
      throw new FileFormatError(source, truncatedProblem('gzip'), { cause: error });
    }
    throw error;
  }
  const actual = crc32(out);
  if (actual !== storedCrc) {
    fail(
      `CRC-32 mismatch (stored ${hex(storedCrc)}, computed ${hex(actual)}); multi-member files are not supported`,
    );
  }
  return out;
}

/**
 * The first bytes (at most `limit`) that the start of a gzip file inflates to: enough to read a
 * header from the first kilobytes of a large `.nii.gz` without reading the rest. No checksum is
 * checked (the trailer is not there).
 */
export function gunzipPrefix(bytes: Uint8Array, limit: number, source = '<gzip>'): Uint8Array {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `gzip: ${problem}`);
  };
  const pos = gzipBodyStart(bytes, fail, 0);
  const pieces: Uint8Array[] = [];
  let total = 0;
  const enough = new Error('enough');
  try {
    inflatePieces(
      bytes.subarray(pos),
      source,
      'gzip',
      (piece) => {
        pieces.push(piece);
        total += piece.length;
        if (total >= limit) throw enough;
      },
      false,
    );
  } catch (error) {
    if (error !== enough) throw error;
  }
  const out = new Uint8Array(Math.min(total, limit));
  let at = 0;
  for (const piece of pieces) {
    if (at >= out.length) break;
    const part = piece.subarray(0, out.length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Wraps `data` into a gzip member (no name, mtime 0, OS unknown; fflate's DEFLATE at level 6). */
export function gzip(data: Uint8Array): Uint8Array {
  const body = deflateRaw(data);
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
