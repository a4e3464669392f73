/**
 * A raw DEFLATE stream (RFC 1951) that inflates to `size` zero bytes at close to the format's
 * maximum ratio of 1032:1, built directly (no compressor needs to see the output): one dynamic
 * Huffman block whose literal/length code gives symbol 285 (a 258-byte match) a 1-bit code and
 * whose distance code has the single 1-bit code for distance 1. After one literal zero, every
 * 2 bits of zeros repeat the last 258 bytes, so the body is all zero bytes.
 */

/** Writes bits least significant first (header fields) or Huffman codes most significant first. */
class BitWriter {
  private bit = 0;
  constructor(readonly bytes: Uint8Array) {}

  /** `count` bits of `value`, least significant bit first (RFC 1951, 3.1.1). */
  field(value: number, count: number): void {
    for (let i = 0; i < count; i++) this.one((value >> i) & 1);
  }

  /** A Huffman code of `length` bits, most significant bit first. */
  code(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.one((code >> i) & 1);
  }

  skip(bits: number): void {
    this.bit += bits;
  }

  get length(): number {
    return Math.ceil(this.bit / 8);
  }

  private one(b: number): void {
    if (b) this.bytes[this.bit >> 3]! |= 1 << (this.bit & 7);
    this.bit++;
  }
}

const MATCH = 258;
/** Code-length alphabet order of the block header (RFC 1951, 3.2.7). */
const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

export function deflateBomb(size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, got ${size}`);
  const matches = Math.floor((size - 1) / MATCH);
  const literals = size - matches * MATCH; // the first zero, and the remainder as literals
  const w = new BitWriter(new Uint8Array(Math.ceil((2 * matches + 2 * literals + 200) / 8)));
  w.field(1, 1); // BFINAL
  w.field(2, 2); // dynamic Huffman
  w.field(286 - 257, 5); // HLIT: literal/length codes 0..285
  w.field(0, 5); // HDIST: one distance code
  w.field(18 - 4, 4); // HCLEN: code-length code lengths up to ORDER index 17 (symbol 1)
  // Code-length code: symbols 0, 1, 2 and 18 with 2-bit codes 00, 01, 10, 11 (canonical order).
  const clLengths = new Map([
    [0, 2],
    [1, 2],
    [2, 2],
    [18, 2],
  ]);
  for (const symbol of ORDER.slice(0, 18)) w.field(clLengths.get(symbol) ?? 0, 3);
  const cl = { 0: 0b00, 1: 0b01, 2: 0b10, 18: 0b11 } as const;
  const zeros = (n: number) => {
    for (let left = n; left > 0; ) {
      const run = Math.min(138, left);
      w.code(cl[18], 2);
      w.field(run - 11, 7);
      left -= run;
    }
  };
  // Literal/length lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0, 285 -> 1; distance 0 -> 1.
  w.code(cl[2], 2);
  zeros(255);
  w.code(cl[2], 2);
  zeros(28);
  w.code(cl[1], 2);
  w.code(cl[1], 2);
  // Canonical codes: 285 -> '0'; 0 -> '10'; 256 -> '11'. Distance 0 -> '0'.
  for (let i = 0; i < literals; i++) w.code(0b10, 2);
  w.skip(2 * matches); // each match: code '0' for 285, no extra bits, code '0' for distance 1
  w.code(0b11, 2);
  return w.bytes.subarray(0, w.length);
}
