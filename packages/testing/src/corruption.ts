/**
 * Byte-replacement fuzzing of a file reader: every byte of a valid file replaced by each of a few
 * values; the reader may accept the result or throw a FileFormatError, and anything else fails.
 *
 * It imports nothing, so @befunet/io's own tests use it too (io is below common and this package):
 * a FileFormatError is recognised by BefunetError's global marker and its name, which holds for
 * io's source classes (io's tests) and its built ones (every other package's tests) alike.
 */
const marker = Symbol.for('befunet.error');

function isFileFormatError(e: unknown): boolean {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as Record<symbol, unknown>)[marker] === true &&
    (e as Error).name === 'FileFormatError'
  );
}

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
        if (!isFileFormatError(e)) throw new Error(`byte ${at} = ${value}: ${String(e)}`);
        rejected++;
      }
    }
  }
  return rejected;
}
