/**
 * A small zip archive writer (PKWARE APPNOTE 6.3): local header, data, central directory, end
 * record, with zip64 extra fields for sizes of 4 GiB or more. It writes `.npz`-style and
 * `torch.save`-style archives (STORED or DEFLATE, by fflate through @befunet/io), and, for
 * reliability tests, archives that lie: every header field can be overridden (declared size, CRC,
 * where the central directory says the local header is, the stored bytes themselves).
 */
import { deflateRaw } from '@befunet/io';
import { crc32 } from './zip.js';

export interface ZipWriteEntry {
  /** Path inside the archive, `/`-separated. */
  readonly name: string;
  /** The entry's content. Defaults to empty (with `stored` and `size` describing a crafted entry). */
  readonly data?: Uint8Array;
  /** Compress `data` with DEFLATE (method 8). Defaults to STORED (method 0). */
  readonly deflate?: boolean;
  // ---- Overrides, for crafting malformed archives ----
  /** Bytes written as the entry's data instead of `data` (or its compression). */
  readonly stored?: Uint8Array;
  /** Compression method written in the headers. */
  readonly method?: number;
  /** Uncompressed size written in the headers. */
  readonly size?: number;
  /** CRC-32 written in the headers. */
  readonly crc?: number;
  /** Local header offset the central directory records; no local header or data is written when set. */
  readonly localHeaderOffset?: number;
}

const U32_MAX = 0xffffffff;

/** Little-endian byte sink. */
class ByteSink {
  private readonly parts: Uint8Array[] = [];
  length = 0;

  bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  /** Unsigned little-endian integers of the given widths (8-byte fields take numbers up to 2^53). */
  ints(...fields: [value: number, width: 2 | 4 | 8][]): void {
    const out = new Uint8Array(fields.reduce((s, [, w]) => s + w, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const [value, width] of fields) {
      if (width === 2) view.setUint16(at, value, true);
      else if (width === 4) view.setUint32(at, value, true);
      else view.setBigUint64(at, BigInt(value), true);
      at += width;
    }
    this.bytes(out);
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Writes `entries` into a zip archive, in order. */
export function writeZip(entries: readonly ZipWriteEntry[]): Uint8Array {
  const sink = new ByteSink();
  const encoder = new TextEncoder();
  const central = new ByteSink();
  for (const entry of entries) {
    const data = entry.data ?? new Uint8Array(0);
    const stored = entry.stored ?? (entry.deflate ? deflateRaw(data) : data);
    const method = entry.method ?? (entry.deflate ? 8 : 0);
    const size = entry.size ?? data.length;
    const crc = entry.crc ?? crc32(data);
    const name = encoder.encode(entry.name);
    const offset = entry.localHeaderOffset ?? sink.length;
    // Zip64 (APPNOTE 4.5.3): saturated 32-bit fields, the real values in extra field 0x0001, in the
    // order uncompressed size, compressed size, local header offset (only the saturated ones).
    const wide = [size, stored.length, offset].map((v) => v >= U32_MAX);
    const saturate = (v: number, i: number) => (wide[i] ? U32_MAX : v);
    const zip64 = (withOffset: boolean): Uint8Array => {
      const values = [size, stored.length, offset].filter((_, i) => wide[i] && (i < 2 || withOffset));
      if (values.length === 0) return new Uint8Array(0);
      const extra = new ByteSink();
      extra.ints([0x0001, 2], [8 * values.length, 2], ...values.map((v): [number, 8] => [v, 8]));
      return extra.concat();
    };
    const version = wide.some(Boolean) ? 45 : 20;
    const common: [number, 2 | 4][] = [
      [version, 2],
      [0, 2], // flags
      [method, 2],
      [0, 4], // time, date
      [crc, 4],
      [saturate(stored.length, 1), 4],
      [saturate(size, 0), 4],
      [name.length, 2],
    ];
    if (entry.localHeaderOffset === undefined) {
      const extra = zip64(false);
      sink.ints([0x04034b50, 4], ...common, [extra.length, 2]);
      sink.bytes(name);
      sink.bytes(extra);
      sink.bytes(stored);
    }
    const extra = zip64(true);
    central.ints([0x02014b50, 4], [version, 2], ...common, [extra.length, 2]);
    central.ints([0, 2], [0, 2], [0, 2], [0, 4], [saturate(offset, 2), 4]); // comment, disk, attributes
    central.bytes(name);
    central.bytes(extra);
  }
  const directory = sink.length;
  sink.bytes(central.concat());
  const count = entries.length;
  sink.ints(
    [0x06054b50, 4],
    [0, 2],
    [0, 2],
    [count, 2],
    [count, 2],
    [central.length, 4],
    [directory, 4],
    [0, 2],
  );
  return sink.concat();
}
