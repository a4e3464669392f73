/** The index check every data set's `get` makes. */

/** Throws a RangeError naming the data set unless 0 <= index < length (an integer). */
export function checkSampleIndex(name: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${name}: index ${index} is outside 0..${length - 1}`);
  }
}
