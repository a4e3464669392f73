/**
 * Test helper (not built into dist): byte-replacement fuzzing of a reader. Every byte of a valid
 * file is replaced by each of a few values; the reader may accept the result or throw a
 * FileFormatError, and anything else fails.
 */
import { FileFormatError } from '../errors.js';

/** Runs `read` on every corruption of `good`; returns how many were rejected with a FileFormatError. */
export function everyByteCorruption(
  good: Uint8Array,
  read: (bytes: Uint8Array) => unknown,
  values = [0x00, 0x7f, 0xff],
): number {
  let rejected = 0;
  for (let at = 0; at < good.length; at++) {
    for (const value of values) {
      const bad = good.slice();
      bad[at] = value;
      try {
        read(bad);
      } catch (e) {
        if (!(e instanceof FileFormatError)) throw new Error(`byte ${at} = ${value}: ${String(e)}`);
        rejected++;
      }
    }
  }
  return rejected;
}
