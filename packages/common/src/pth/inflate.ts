/**
 * A portable DEFLATE decoder (RFC 1951) for compressed zip entries: stored, fixed-Huffman and
 * dynamic-Huffman blocks, in pure TypeScript (no zlib, no streams), so it runs in browsers too.
 *
 * The caller states the decompressed size (the zip directory holds it): output is written into a
 * buffer of exactly that size and any stream that would produce more or fewer bytes, or that is
 * truncated or malformed, raises a FileFormatError. Work is linear in input bits plus output bytes.
 */
import { FileFormatError } from '../errors.js';
import { DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA } from './deflate-tables.js';

/** The most a DEFLATE stream can expand: 258 bytes per (at best) 2-bit length/distance code. */
export const MAX_DEFLATE_RATIO = 1032;

const MAX_BITS = 15;

/** The order in which code-length code lengths are sent in a dynamic block header. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Codes up to this long decode with one table look-up; longer ones bit by bit. */
const TABLE_BITS = 10;

/**
 * A canonical Huffman code: how many codes of each length, the symbols ordered by (length, value),
 * and a look-up table indexed by the next TABLE_BITS stream bits: `symbol << 4 | length`, 0 if longer.
 */
interface Huffman {
  readonly counts: Uint16Array;
  readonly symbols: Uint16Array;
  readonly table: Uint32Array;
}

function buildHuffman(lengths: ArrayLike<number>, fail: (p: string) => never, what: string): Huffman {
  const counts = new Uint16Array(MAX_BITS + 1);
  for (let s = 0; s < lengths.length; s++) counts[lengths[s]!]!++;
  counts[0] = 0;
  // Over-subscribed codes are invalid; incomplete ones are allowed (an unused code is an error when met).
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = 2 * left - counts[len]!;
    if (left < 0) fail(`${what} code lengths are over-subscribed`);
  }
  const offsets = new Uint16Array(MAX_BITS + 2);
  for (let len = 1; len <= MAX_BITS; len++) offsets[len + 1] = offsets[len]! + counts[len]!;
  const symbols = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) symbols[offsets[lengths[s]!]!++] = s;
  // Canonical codes: consecutive within a length, each length starting after the shorter ones
  // (RFC 1951, 3.2.2). The stream sends a code's bits from its most significant one, so the
  // table is indexed by the code's bits reversed.
  const table = new Uint32Array(1 << TABLE_BITS);
  const next = new Uint16Array(MAX_BITS + 1);
  for (let len = 1, code = 0; len <= MAX_BITS; len++) {
    code = (code + counts[len - 1]!) << 1;
    next[len] = code;
  }
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s]!;
    if (len === 0) continue;
    const code = next[len]!++;
    if (len > TABLE_BITS) continue;
    let reversed = 0;
    for (let b = 0; b < len; b++) reversed |= ((code >> b) & 1) << (len - 1 - b);
    for (let i = reversed; i < table.length; i += 1 << len) table[i] = (s << 4) | len;
  }
  return { counts, symbols, table };
}

const FIXED = (() => {
  const lit = new Uint8Array(288);
  lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  const never = (p: string): never => {
    throw new Error(p);
  };
  return {
    lit: buildHuffman(lit, never, 'fixed'),
    dist: buildHuffman(new Uint8Array(30).fill(5), never, 'fixed'),
  };
})();

/** Decompresses the raw DEFLATE stream `input` into exactly `size` bytes. */
export function inflateRaw(input: Uint8Array, size: number, source = '<deflate>'): Uint8Array {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `DEFLATE stream: ${problem}`);
  };
  if (!Number.isSafeInteger(size) || size < 0) fail(`invalid output size ${size}`);
  if (size > MAX_DEFLATE_RATIO * input.length + 16) {
    fail(`${input.length} compressed bytes cannot inflate to the declared ${size}`);
  }
  const out = new Uint8Array(size);
  let written = 0;
  let pos = 0;
  let bitBuffer = 0;
  let bitCount = 0;

  const bits = (n: number): number => {
    while (bitCount < n) {
      if (pos >= input.length) fail('truncated');
      bitBuffer |= input[pos++]! << bitCount;
      bitCount += 8;
    }
    const v = bitBuffer & ((1 << n) - 1);
    bitBuffer >>>= n;
    bitCount -= n;
    return v;
  };
  // Table look-up when enough bits are buffered and the code is short; otherwise canonical decoding,
  // one bit at a time (codes of each length follow those of the previous length).
  const decode = (h: Huffman): number => {
    while (bitCount <= 24 && pos < input.length) {
      bitBuffer |= input[pos++]! << bitCount;
      bitCount += 8;
    }
    if (bitCount >= TABLE_BITS) {
      const entry = h.table[bitBuffer & ((1 << TABLE_BITS) - 1)]!;
      if (entry !== 0) {
        const len = entry & 15;
        bitBuffer >>>= len;
        bitCount -= len;
        return entry >>> 4;
      }
    }
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= bits(1);
      const count = h.counts[len]!;
      if (code - first < count) return h.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail('invalid Huffman code');
  };
  const codes = (lit: Huffman, dist: Huffman): void => {
    while (true) {
      const symbol = decode(lit);
      if (symbol < 256) {
        if (written >= size) fail(`inflates to more than the declared ${size} bytes`);
        out[written++] = symbol;
      } else if (symbol === 256) {
        return;
      } else {
        const l = symbol - 257;
        if (l >= LENGTH_BASE.length) fail(`invalid length symbol ${symbol}`);
        const length = LENGTH_BASE[l]! + bits(LENGTH_EXTRA[l]!);
        const d = decode(dist);
        if (d >= DIST_BASE.length) fail(`invalid distance symbol ${d}`);
        const distance = DIST_BASE[d]! + bits(DIST_EXTRA[d]!);
        if (distance > written) fail(`distance ${distance} reaches before the start of the output`);
        if (written + length > size) fail(`inflates to more than the declared ${size} bytes`);
        for (let i = 0; i < length; i++, written++) out[written] = out[written - distance]!;
      }
    }
  };

  let final = 0;
  while (!final) {
    final = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored: skip to the byte boundary, and hand back the whole bytes the bit buffer read ahead.
      pos -= bitCount >>> 3;
      bitBuffer = 0;
      bitCount = 0;
      if (pos + 4 > input.length) fail('truncated');
      const length = input[pos]! | (input[pos + 1]! << 8);
      const complement = input[pos + 2]! | (input[pos + 3]! << 8);
      pos += 4;
      if ((length ^ 0xffff) !== complement) fail('stored block length does not match its complement');
      if (pos + length > input.length) fail('truncated');
      if (written + length > size) fail(`inflates to more than the declared ${size} bytes`);
      out.set(input.subarray(pos, pos + length), written);
      pos += length;
      written += length;
    } else if (type === 1) {
      codes(FIXED.lit, FIXED.dist);
    } else if (type === 2) {
      const literalCount = bits(5) + 257;
      const distanceCount = bits(5) + 1;
      const lengthCodeCount = bits(4) + 4;
      if (literalCount > 286 || distanceCount > 30) fail('too many literal/length or distance codes');
      const lengthLengths = new Uint8Array(19);
      for (let i = 0; i < lengthCodeCount; i++) lengthLengths[CODE_LENGTH_ORDER[i]!] = bits(3);
      const lengthCode = buildHuffman(lengthLengths, fail, 'code-length');
      const lengths = new Uint8Array(literalCount + distanceCount);
      for (let i = 0; i < lengths.length; ) {
        const symbol = decode(lengthCode);
        let value = 0;
        let repeat = 1;
        if (symbol < 16) {
          value = symbol;
        } else if (symbol === 16) {
          if (i === 0) fail('repeat of a code length with no previous length');
          value = lengths[i - 1]!;
          repeat = 3 + bits(2);
        } else if (symbol === 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        if (i + repeat > lengths.length) fail('code lengths overrun the declared counts');
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
      if (lengths[256] === 0) fail('no end-of-block code');
      codes(
        buildHuffman(lengths.subarray(0, literalCount), fail, 'literal/length'),
        buildHuffman(lengths.subarray(literalCount), fail, 'distance'),
      );
    } else {
      fail('invalid block type 3');
    }
  }
  if (written !== size) fail(`inflates to ${written} bytes, not the declared ${size}`);
  return out;
}
