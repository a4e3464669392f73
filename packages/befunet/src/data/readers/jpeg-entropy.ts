/**
 * The entropy-coded segments of a JPEG scan (ITU T.81, annexes C and F): Huffman tables built
 * from a DHT segment and a bit reader over the scan bytes, which removes the 0xFF00 stuffing and
 * stops at the next marker. Reading past that marker is an error (a valid scan never needs more
 * bits than it holds), so a corrupt or truncated scan ends in a FileFormatError.
 */

/** A canonical Huffman code (T.81 C.2, F.2.2.3), with an 8-bit look-up table for short codes. */
export interface HuffmanTable {
  /** Largest code of each length 1..16, -1 where the length has none. */
  readonly maxCode: Int32Array;
  /** Index into `values` of the first code of each length, minus that code. */
  readonly offset: Int32Array;
  readonly values: Uint8Array;
  /** Next 8 bits -> `length << 8 | value`, 0 where the code is longer than 8 bits. */
  readonly lookup: Uint16Array;
}

/** Builds a table from the 16 code counts (BITS) and the symbols (HUFFVAL) of a DHT segment. */
export function buildHuffmanTable(
  counts: ArrayLike<number>,
  values: Uint8Array,
  fail: (problem: string) => never,
): HuffmanTable {
  const maxCode = new Int32Array(17).fill(-1);
  const offset = new Int32Array(17);
  const lookup = new Uint16Array(256);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1]!;
    if (n > 0) {
      offset[length] = k - code;
      if (code + n > 2 ** length) fail('Huffman table has more codes than its lengths allow');
      for (let i = 0; i < n; i++, code++, k++) {
        if (length > 8) continue;
        const first = code << (8 - length);
        lookup.fill((length << 8) | values[k]!, first, first + (1 << (8 - length)));
      }
      maxCode[length] = code - 1;
    }
    code <<= 1;
  }
  return { maxCode, offset, values, lookup };
}

/** Reads the bits of one entropy-coded segment, most significant bit first (T.81 F.2.2.5). */
export class BitReader {
  private buffer = 0;
  private count = 0;

  constructor(
    private readonly bytes: Uint8Array,
    /** Position of the next unread byte. */
    public pos: number,
    private readonly fail: (problem: string) => never,
  ) {}

  /** Tops the buffer up to at least 25 bits, stopping at a marker or the end of the file. */
  private fill(): void {
    const bytes = this.bytes;
    while (this.count <= 24) {
      if (this.pos >= bytes.length) return;
      const b = bytes[this.pos]!;
      if (b === 0xff) {
        if (bytes[this.pos + 1] !== 0) return; // a marker: the segment ends here
        this.pos += 2;
      } else this.pos++;
      this.buffer = (this.buffer << 8) | b;
      this.count += 8;
    }
  }

  /** The next `n` (0..16) bits as an unsigned integer. */
  bits(n: number): number {
    if (this.count < n) {
      this.fill();
      if (this.count < n) this.fail('scan data ends early (truncated or corrupt entropy-coded data)');
    }
    this.count -= n;
    return (this.buffer >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    return this.bits(1);
  }

  /** `bits(n)` read as a signed difference (T.81 F.2.2.1, EXTEND). */
  signed(n: number): number {
    if (n === 0) return 0;
    const v = this.bits(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  /** Decodes one symbol (T.81 F.2.2.3, DECODE), using the look-up table when 8 bits are at hand. */
  decode(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    if (this.count >= 8) {
      const hit = table.lookup[(this.buffer >>> (this.count - 8)) & 0xff]!;
      if (hit !== 0) {
        this.count -= hit >> 8;
        return hit & 0xff;
      }
    }
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bit();
      if (code <= table.maxCode[length]!) return table.values[table.offset[length]! + code]!;
    }
    return this.fail('invalid Huffman code in scan data');
  }

  /**
   * Drops the bits left in the current byte and any bytes up to the next marker, and returns that
   * marker's code (0xD0..0xD7 for a restart), leaving `pos` after it; -1 at the end of the file.
   */
  nextMarker(): number {
    // Whole bytes still buffered were read before the marker: skip them with the partial one.
    this.buffer = 0;
    this.count = 0;
    const bytes = this.bytes;
    while (this.pos + 1 < bytes.length) {
      if (bytes[this.pos] === 0xff) {
        const code = bytes[this.pos + 1]!;
        if (code !== 0 && code !== 0xff) {
          this.pos += 2;
          return code;
        }
      }
      this.pos++;
    }
    this.pos = bytes.length;
    return -1;
  }
}
