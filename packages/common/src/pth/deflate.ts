/**
 * A small DEFLATE compressor: repeats found through a hash chain within the 32 KiB window, coded with
 * the fixed Huffman codes (RFC 1951, 3.2.6). Enough for PNG, zlib and gzip output; not as tight as zlib.
 */
import { DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA } from './deflate-tables.js';

const WINDOW = 32768;
const HASH_BITS = 15;
const MAX_CHAIN = 32;
const MIN_MATCH = 3;
const MAX_MATCH = 258;

/** Index into LENGTH_BASE of the code for match lengths 3..258. */
const LENGTH_CODE = (() => {
  const table = new Uint8Array(MAX_MATCH + 1);
  for (let code = 0; code < LENGTH_BASE.length; code++) {
    const end = code + 1 < LENGTH_BASE.length ? LENGTH_BASE[code + 1]! : MAX_MATCH + 1;
    for (let len = LENGTH_BASE[code]!; len < end; len++) table[len] = code;
  }
  table[MAX_MATCH] = 28;
  return table;
})();

function distanceCode(distance: number): number {
  let code = 0;
  while (code + 1 < DIST_BASE.length && DIST_BASE[code + 1]! <= distance) code++;
  return code;
}

/** A raw DEFLATE stream holding `data` in one final fixed-Huffman block (RFC 1951, 3.2.6). */
export function deflateFixed(data: Uint8Array): Uint8Array {
  // Worst case: 9 bits per literal plus the block header and end-of-block code.
  let out = new Uint8Array(Math.ceil((data.length * 9) / 8) + 16);
  let outPos = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  const putBits = (value: number, count: number) => {
    bitBuffer |= value << bitCount;
    bitCount += count;
    while (bitCount >= 8) {
      out[outPos++] = bitBuffer & 0xff;
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };
  // Huffman codes go most-significant bit first, so they are reversed into the LSB-first stream.
  const putCode = (code: number, length: number) => {
    let reversed = 0;
    for (let i = 0; i < length; i++) reversed = (reversed << 1) | ((code >> i) & 1);
    putBits(reversed, length);
  };
  const putSymbol = (symbol: number) => {
    if (symbol < 144) putCode(0x30 + symbol, 8);
    else if (symbol < 256) putCode(0x190 + symbol - 144, 9);
    else if (symbol < 280) putCode(symbol - 256, 7);
    else putCode(0xc0 + symbol - 280, 8);
  };

  putBits(1, 1); // BFINAL
  putBits(1, 2); // BTYPE = 01, fixed Huffman
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(WINDOW);
  const hash = (i: number) =>
    (((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!) * 2654435761) >>> (32 - HASH_BITS);
  const insert = (i: number) => {
    if (i + MIN_MATCH > data.length) return;
    const h = hash(i);
    prev[i & (WINDOW - 1)] = head[h]!;
    head[h] = i;
  };
  let i = 0;
  while (i < data.length) {
    let bestLength = 0;
    let bestDistance = 0;
    if (i + MIN_MATCH <= data.length) {
      const limit = Math.min(MAX_MATCH, data.length - i);
      let candidate = head[hash(i)]!;
      for (let chain = 0; candidate >= 0 && i - candidate <= WINDOW - 1 && chain < MAX_CHAIN; chain++) {
        let length = 0;
        while (length < limit && data[candidate + length] === data[i + length]) length++;
        if (length > bestLength) {
          bestLength = length;
          bestDistance = i - candidate;
          if (length === limit) break;
        }
        const next = prev[candidate & (WINDOW - 1)]!;
        if (next >= candidate) break;
        candidate = next;
      }
    }
    if (bestLength >= MIN_MATCH) {
      const lc = LENGTH_CODE[bestLength]!;
      putSymbol(257 + lc);
      putBits(bestLength - LENGTH_BASE[lc]!, LENGTH_EXTRA[lc]!);
      const dc = distanceCode(bestDistance);
      putCode(dc, 5);
      putBits(bestDistance - DIST_BASE[dc]!, DIST_EXTRA[dc]!);
      for (let k = 0; k < bestLength; k++) insert(i + k);
      i += bestLength;
    } else {
      putSymbol(data[i]!);
      insert(i);
      i++;
    }
    if (outPos + 8 > out.length) {
      const grown = new Uint8Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
  }
  putSymbol(256);
  if (bitCount > 0) putBits(0, 8 - bitCount);
  return out.slice(0, outPos);
}
