/**
 * Bounds-checked little-endian reading of HDF5 structures: a file context (sizes of offsets and
 * lengths from the superblock, base address, the error helper) and a cursor over one structure.
 * Every read past the structure's end is a FileFormatError naming the structure.
 */
import { FileFormatError } from '@befunet/common';

/** The "undefined address" (all bits set) of the HDF5 format. */
export const UNDEFINED_ADDRESS = -1;

export class Hdf5File {
  /** Bytes of a file offset and of a length (superblock fields, 2, 4 or 8). */
  offsetSize = 8;
  lengthSize = 8;
  /** Absolute position that file addresses are relative to. */
  baseAddress = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {}

  fail(problem: string): never {
    throw new FileFormatError(this.source, `HDF5: ${problem}`);
  }

  /** A cursor over `size` bytes at absolute position `at`, which must lie inside the file. */
  at(at: number, size: number, what: string): Cursor {
    if (
      !Number.isSafeInteger(at) ||
      !Number.isSafeInteger(size) ||
      at < 0 ||
      size < 0 ||
      at + size > this.bytes.length
    ) {
      this.fail(`${what} at byte ${at} (${size} bytes) lies outside the ${this.bytes.length}-byte file`);
    }
    return new Cursor(this, this.bytes.subarray(at, at + size), what, at);
  }

  /** A cursor from absolute position `at` to the end of the file. */
  from(at: number, what: string): Cursor {
    return this.at(at, Math.max(0, this.bytes.length - at), what);
  }
}

export class Cursor {
  pos = 0;

  constructor(
    readonly file: Hdf5File,
    readonly bytes: Uint8Array,
    /** What the bytes are, for errors ("object header at 96"). */
    readonly what: string,
    /** Absolute position of bytes[0] in the file. */
    readonly start: number,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number): number {
    if (n > this.remaining)
      this.file.fail(`${this.what} is truncated (needs ${n} more bytes at byte ${this.start + this.pos})`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  skip(n: number): void {
    this.need(n);
  }

  u8(): number {
    return this.bytes[this.need(1)]!;
  }

  u16(): number {
    return this.uint(2);
  }

  u32(): number {
    return this.uint(4);
  }

  /** An unsigned little-endian integer of `size` bytes; values over 2^53 fail. */
  uint(size: number): number {
    const at = this.need(size);
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + this.bytes[at + i]!;
    if (!Number.isSafeInteger(value)) this.file.fail(`${this.what}: a ${size}-byte value exceeds 2^53`);
    return value;
  }

  /** A file address, made absolute, or UNDEFINED_ADDRESS. */
  address(): number {
    const size = this.file.offsetSize;
    if (this.bytes.subarray(this.pos, this.pos + size).every((b) => b === 0xff) && this.remaining >= size) {
      this.pos += size;
      return UNDEFINED_ADDRESS;
    }
    return this.uint(size) + this.file.baseAddress;
  }

  length(): number {
    return this.uint(this.file.lengthSize);
  }

  take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }

  /** Checks a 4-character signature ("TREE", "OHDR"...). */
  signature(expected: string): void {
    const found = String.fromCharCode(...this.take(4));
    if (found !== expected)
      this.file.fail(`${this.what}: signature '${expected}' expected, found ${JSON.stringify(found)}`);
  }
}
