/**
 * The two checksums of the compressed formats: CRC-32 (gzip trailers, zip entries, PNG chunks) and
 * Adler-32 (zlib trailers). fflate computes both internally but does not export them, nor check
 * them when it inflates, so the readers here check them against the stored values.
 */

let crcTables: Uint32Array[] | undefined;

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of `data`, as zip stores it. */
export function crc32(data: Uint8Array): number {
  if (!crcTables) {
    // Table k maps a byte to its CRC contribution k bytes further on ("slicing by 8").
    crcTables = Array.from({ length: 8 }, () => new Uint32Array(256));
    const t0 = crcTables[0]!;
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t0[n] = c >>> 0;
    }
    for (let k = 1; k < 8; k++) {
      const prev = crcTables[k - 1]!;
      const table = crcTables[k]!;
      for (let n = 0; n < 256; n++) table[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    }
  }
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crcTables as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = 0xffffffff;
  let i = 0;
  for (const end = data.length - 7; i < end; i += 8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[b & 0xff]! ^
      t2[(b >>> 8) & 0xff]! ^
      t1[(b >>> 16) & 0xff]! ^
      t0[b >>> 24]!;
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Adler-32 checksum (RFC 1950, section 8) of `data`, as a zlib stream's trailer holds it. */
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
