/**
 * A minimal, read-only zip archive reader over a Uint8Array (PKWARE APPNOTE 6.3).
 *
 * It reads the central directory (the authoritative list of entries, with zip64 extensions where
 * a size or offset does not fit 32 bits) and hands out STORED entries as zero-copy subarrays and
 * DEFLATE entries inflated (by `inflateRaw` of @befunet/io, on fflate), optionally verifying their CRC-32. `torch.save` writes
 * STORED entries, local headers with a data descriptor (bit 3) and alignment padding in their
 * extra fields; a checkpoint re-zipped with compression also reads. Other compression methods,
 * encrypted and multi-disk archives are rejected with a FileFormatError.
 *
 * Zip bombs are refused when the archive is opened, before anything is inflated: an entry that
 * declares more than DEFLATE can produce from its compressed size (1032:1), DEFLATE entries that
 * declare more than `maxInflatedBytes` in all, and entries whose data overlap (one kernel referenced
 * by many entries, D. Fifield, "A better zip bomb", WOOT 2019). Inflating never writes past the
 * declared size, so memory stays bounded by that limit.
 */
import { crc32, FileFormatError, inflateRaw, MAX_DEFLATE_RATIO } from '@befunet/io';

export { crc32 };

/** One file of the archive, as the central directory describes it. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  readonly name: string;
  /** Compression method: 0 is STORED, 8 is DEFLATE. */
  readonly method: number;
  /** Size of the stored bytes. */
  readonly compressedSize: number;
  /** Size of the file once decompressed (equal to `compressedSize` for STORED entries). */
  readonly size: number;
  /** CRC-32 of the uncompressed bytes. */
  readonly crc32: number;
  /** Offset of the entry's local file header from the start of the archive. */
  readonly localHeaderOffset: number;
  /** General-purpose bit flags. */
  readonly flags: number;
}

export interface ZipReadOptions {
  /** Verify each entry's CRC-32 when it is read. Defaults to true. */
  readonly verifyChecksums?: boolean;
  /**
   * Most bytes the DEFLATE entries may declare in all (STORED entries are views of the file and
   * cost nothing). Defaults to DEFAULT_MAX_INFLATED_BYTES (1 GiB); raise it for larger archives.
   */
  readonly maxInflatedBytes?: number;
}

/** The default of `ZipReadOptions.maxInflatedBytes`: 1 GiB. */
export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 30;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;

/** A parsed archive: its entries and access to their bytes. */
export class ZipArchive {
  private readonly verified = new Set<string>();

  private constructor(
    private readonly bytes: Uint8Array,
    readonly source: string,
    /** Entries in central-directory order, by name. */
    readonly entries: ReadonlyMap<string, ZipEntry>,
    private readonly verifyChecksums: boolean,
  ) {}

  /** Parses the central directory of `bytes`; `source` names the file in error messages. */
  static open(bytes: Uint8Array, source = '<zip>', options: ZipReadOptions = {}): ZipArchive {
    const entries = readCentralDirectory(bytes, source);
    refuseBombs(entries, options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES, (problem) => {
      throw new FileFormatError(source, problem);
    });
    return new ZipArchive(bytes, source, entries, options.verifyChecksums ?? true);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The bytes of entry `name`: a view into the archive for STORED entries, a new array for DEFLATE ones. */
  read(name: string): Uint8Array {
    const fail = (problem: string): never => {
      throw new FileFormatError(this.source, `zip entry '${name}': ${problem}`);
    };
    const entry = this.entries.get(name);
    if (!entry) return fail('no such entry in the archive');
    if (entry.flags & 0x1) fail('entry is encrypted, which is not supported');
    if (entry.method !== 0 && entry.method !== 8) {
      fail(`compression method ${entry.method} is not supported (only STORED and DEFLATE are)`);
    }
    if (entry.method === 0 && entry.compressedSize !== entry.size) {
      fail(`STORED entry declares ${entry.compressedSize} stored bytes but ${entry.size} uncompressed`);
    }
    const view = dataView(this.bytes);
    const at = entry.localHeaderOffset;
    if (at + LOCAL_SIZE > this.bytes.byteLength) fail(`local header at ${at} runs past the end of the file`);
    if (view.getUint32(at, true) !== SIG_LOCAL) fail(`no local file header signature at offset ${at}`);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    const start = at + LOCAL_SIZE + nameLength + extraLength;
    const end = start + entry.compressedSize;
    if (end > this.bytes.byteLength) {
      fail(`data [${start}, ${end}) runs past the end of the file (${this.bytes.byteLength} bytes)`);
    }
    const stored = this.bytes.subarray(start, end);
    const data =
      entry.method === 8 ? inflateRaw(stored, entry.size, `${this.source} (zip entry '${name}')`) : stored;
    if (this.verifyChecksums && !this.verified.has(name)) {
      const crc = crc32(data);
      if (crc !== entry.crc32) {
        fail(`CRC-32 mismatch (stored ${hex(entry.crc32)}, computed ${hex(crc)}): the data is corrupt`);
      }
      this.verified.add(name);
    }
    return data;
  }
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Reads a little-endian uint64 that must be a safe integer. */
function uint64(view: DataView, at: number, what: string, fail: (p: string) => never): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} is too large`);
  return Number(v);
}

interface Directory {
  readonly count: number;
  readonly size: number;
  readonly offset: number;
}

/** Finds the end-of-central-directory record (and its zip64 counterpart) and returns the directory bounds. */
function locateDirectory(bytes: Uint8Array, fail: (p: string) => never): Directory {
  const view = dataView(bytes);
  const length = bytes.byteLength;
  if (length < EOCD_SIZE) fail(`file is ${length} bytes, too short to be a zip archive`);
  // The record is the last thing in the file, followed only by a comment of at most 65535 bytes.
  let eocd = -1;
  const lowest = Math.max(0, length - EOCD_SIZE - MAX_COMMENT);
  for (let at = length - EOCD_SIZE; at >= lowest; at--) {
    if (view.getUint32(at, true) === SIG_EOCD && at + EOCD_SIZE + view.getUint16(at + 20, true) <= length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record: not a zip archive, or truncated');
  const disk = view.getUint16(eocd + 4, true);
  const directoryDisk = view.getUint16(eocd + 6, true);
  let count = view.getUint16(eocd + 10, true);
  let size = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  const locator = eocd - ZIP64_LOCATOR_SIZE;
  const hasZip64 = locator >= 0 && view.getUint32(locator, true) === SIG_ZIP64_LOCATOR;
  if (hasZip64) {
    const record = uint64(view, locator + 8, 'zip64 end-of-central-directory offset', fail);
    if (record + ZIP64_EOCD_SIZE > locator)
      fail(`zip64 end-of-central-directory offset ${record} is invalid`);
    if (view.getUint32(record, true) !== SIG_ZIP64_EOCD) {
      fail(`no zip64 end-of-central-directory signature at offset ${record}`);
    }
    if (view.getUint32(locator + 16, true) > 1 || view.getUint32(record + 16, true) !== 0) {
      fail('multi-disk archives are not supported');
    }
    count = uint64(view, record + 32, 'zip64 entry count', fail);
    size = uint64(view, record + 40, 'zip64 central directory size', fail);
    offset = uint64(view, record + 48, 'zip64 central directory offset', fail);
  } else {
    if (disk !== 0 || directoryDisk !== 0) fail('multi-disk archives are not supported');
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      fail('end-of-central-directory record needs zip64 values but has no zip64 locator');
    }
  }
  const end = hasZip64 ? locator : eocd;
  if (offset + size > end) {
    fail(`central directory [${offset}, ${offset + size}) overlaps its end record at ${end} or the file end`);
  }
  if (count * CENTRAL_SIZE > size) fail(`${count} entries cannot fit a ${size}-byte central directory`);
  return { count, size, offset };
}

function readCentralDirectory(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, problem);
  };
  const { count, size, offset } = locateDirectory(bytes, fail);
  const view = dataView(bytes);
  const decoder = new TextDecoder('utf-8');
  const entries = new Map<string, ZipEntry>();
  const end = offset + size;
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > end) fail(`central directory entry ${i} runs past the directory end`);
    if (view.getUint32(at, true) !== SIG_CENTRAL) fail(`no central directory signature at offset ${at}`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const nameStart = at + CENTRAL_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > end) fail(`central directory entry ${i} runs past the directory end`);
    const name = decoder.decode(bytes.subarray(nameStart, extraStart));
    // Zip64 extended information: only the saturated fields are present, in this order.
    const needs = [
      uncompressedSize === 0xffffffff,
      compressedSize === 0xffffffff,
      localHeaderOffset === 0xffffffff,
    ];
    if (needs.some(Boolean)) {
      let found = false;
      for (let e = extraStart; e + 4 <= extraStart + extraLength; ) {
        const id = view.getUint16(e, true);
        const length = view.getUint16(e + 2, true);
        if (e + 4 + length > extraStart + extraLength) fail(`entry '${name}' has a truncated extra field`);
        if (id === ZIP64_EXTRA_ID) {
          let field = e + 4;
          const take = (what: string): number => {
            if (field + 8 > e + 4 + length) fail(`entry '${name}' zip64 extra field lacks the ${what}`);
            const v = uint64(view, field, `entry '${name}' zip64 ${what}`, fail);
            field += 8;
            return v;
          };
          if (needs[0]) uncompressedSize = take('uncompressed size');
          if (needs[1]) compressedSize = take('compressed size');
          if (needs[2]) localHeaderOffset = take('local header offset');
          found = true;
          break;
        }
        e += 4 + length;
      }
      if (!found) fail(`entry '${name}' has 32-bit fields saturated but no zip64 extra field`);
    }
    if (localHeaderOffset + LOCAL_SIZE > offset) {
      fail(`entry '${name}' local header offset ${localHeaderOffset} is not before the central directory`);
    }
    if (compressedSize > offset) {
      fail(`entry '${name}' declares ${compressedSize} bytes, more than the archive holds`);
    }
    if (entries.has(name)) fail(`entry '${name}' appears twice in the central directory`);
    entries.set(name, {
      name,
      method,
      compressedSize,
      size: uncompressedSize,
      crc32: crc,
      localHeaderOffset,
      flags,
    });
    at = next;
  }
  return entries;
}

/**
 * Refuses, from the central directory alone, archives that would inflate to more than `limit`
 * bytes, DEFLATE entries declaring more than the format can produce, and entries whose data overlap.
 * Each entry occupies at least [local header offset, + 30 + compressed size) of the file (the
 * local header's name and extra field only add to it), so valid archives never trip the overlap test.
 */
function refuseBombs(entries: Map<string, ZipEntry>, limit: number, fail: (p: string) => never): void {
  let inflated = 0;
  for (const e of entries.values()) {
    if (e.method !== 8) continue;
    if (e.size > MAX_DEFLATE_RATIO * e.compressedSize + 16) {
      fail(
        `entry '${e.name}' declares ${e.size} bytes from ${e.compressedSize} compressed, beyond DEFLATE's ` +
          `maximum ratio of ${MAX_DEFLATE_RATIO}:1 (a zip bomb or a corrupt size)`,
      );
    }
    inflated += e.size;
  }
  if (inflated > limit) {
    fail(
      `DEFLATE entries declare ${inflated} bytes in all, more than the limit of ${limit} ` +
        '(a zip bomb? if the archive is genuine, raise maxInflatedBytes)',
    );
  }
  const spans = [...entries.values()]
    .map((e) => ({
      name: e.name,
      start: e.localHeaderOffset,
      end: e.localHeaderOffset + LOCAL_SIZE + e.compressedSize,
    }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = [spans[i - 1]!, spans[i]!];
    if (b.start < a.end) {
      fail(
        `entries '${a.name}' and '${b.name}' overlap (bytes [${a.start}, ${a.end}) and [${b.start}, ${b.end})): ` +
          'an overlapping zip bomb or a corrupt directory',
      );
    }
  }
}
