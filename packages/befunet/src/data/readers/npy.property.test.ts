import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeNpy, type NpyDType, readNpy } from './npy.js';

/**
 * `.npy` round-trips any array exactly (issue 28): every dtype the writer takes, shapes of 0 to 4
 * axes (scalars and zero-size axes included), values over each dtype's whole range (floats with
 * infinities and -0, compared bit for bit).
 */
const ARRAYS = {
  int8: [Int8Array, fc.integer({ min: -128, max: 127 })],
  uint8: [Uint8Array, fc.integer({ min: 0, max: 255 })],
  int16: [Int16Array, fc.integer({ min: -32768, max: 32767 })],
  uint16: [Uint16Array, fc.integer({ min: 0, max: 65535 })],
  int32: [Int32Array, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
  uint32: [Uint32Array, fc.integer({ min: 0, max: 2 ** 32 - 1 })],
  float32: [Float32Array, fc.float({ noNaN: true })],
  float64: [Float64Array, fc.double({ noNaN: true })],
} as const;

const array = fc
  .record({
    dtype: fc.constantFrom(...(Object.keys(ARRAYS) as (keyof typeof ARRAYS)[])),
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
  })
  .chain(({ dtype, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const [Type, value] = ARRAYS[dtype];
    return fc
      .array(value as fc.Arbitrary<number>, { minLength: n, maxLength: n })
      .map((v) => ({ dtype: dtype as NpyDType, shape, data: Type.from(v) }));
  });

const bytesOf = (
  a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('npy round trip (any dtype, shape and values)', () => {
  it('encodeNpy then readNpy gives dtype, shape and every value back, bit for bit', () => {
    fc.assert(
      fc.property(array, (written) => {
        const back = readNpy(encodeNpy(written), 'prop.npy');
        expect(back.dtype).toBe(written.dtype);
        expect([...back.shape]).toEqual(written.shape);
        expect(back.data.constructor).toBe(written.data.constructor);
        expect(bytesOf(back.data)).toEqual(bytesOf(written.data));
      }),
      { numRuns: 150, seed: 20261207 },
    );
  });
});
