import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectError } from '../../testing/src/errors.ts';
import { inflateRaw } from './deflate.js';
import { FileFormatError } from './errors.js';

/** Deterministic pseudo-random bytes (a 32-bit LCG). */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Float32 weights as bytes: compressible only a little, like a real checkpoint. */
function weights(count: number): Uint8Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.sin(i * 0.37) * 0.05;
  return new Uint8Array(values.buffer);
}

const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog; '.repeat(200));

const inputs: [string, Uint8Array][] = [
  ['empty', new Uint8Array()],
  ['one byte', Uint8Array.from([42])],
  ['repetitive text', text],
  ['zeros (long matches)', new Uint8Array(70_000)],
  ['noise', noise(5000)],
  ['float weights', weights(20_000)],
];

// zlib (an independent implementation) compresses; inflateRaw must give the input back exactly.
const settings: [string, Parameters<typeof deflateRawSync>[1]][] = [
  ['level 0 (stored blocks)', { level: 0 }],
  ['level 1', { level: 1 }],
  ['level 9', { level: 9 }],
  ['fixed Huffman', { strategy: constants.Z_FIXED }],
  ['Huffman only', { strategy: constants.Z_HUFFMAN_ONLY }],
  ['run-length', { strategy: constants.Z_RLE }],
];

/** Asserts a FileFormatError (with a matching message). */
const expectFormatError = (fn: () => unknown, message?: RegExp) => expectError(fn, FileFormatError, message);

describe('inflateRaw', () => {
  for (const [setting, options] of settings) {
    it(`inflates what zlib deflates (${setting})`, () => {
      for (const [name, input] of inputs) {
        const compressed = new Uint8Array(deflateRawSync(input, options));
        const output = inflateRaw(compressed, input.length, name);
        expect(output.length, name).toBe(input.length);
        expect(Buffer.from(output).equals(Buffer.from(input)), name).toBe(true);
      }
    });
  }

  it('rejects a declared size the stream does not produce, either way', () => {
    const compressed = new Uint8Array(deflateRawSync(text));
    expectFormatError(
      () => inflateRaw(compressed, text.length - 1, 'z'),
      /z: DEFLATE stream: inflates to more/,
    );
    expectFormatError(
      () => inflateRaw(compressed, text.length + 1),
      /inflates to \d+ bytes, not the declared/,
    );
  });

  it('refuses declared sizes no DEFLATE stream could reach, before allocating', () => {
    expectFormatError(() => inflateRaw(new Uint8Array(10), 2 ** 40), /cannot inflate to the declared/);
  });

  it('rejects malformed streams', () => {
    const cases: [number[], RegExp][] = [
      [[], /truncated/],
      [[0x07], /invalid block type 3/], // final bit, type 3
      // fflate does not compare a stored block's LEN with its complement NLEN: the 5 bytes are missing.
      [[0x01, 0x05, 0x00, 0x00, 0x00], /truncated/], // stored, LEN 5, NLEN 0
      [[0x01, 0x05, 0x00, 0xfa, 0xff, 0x61], /truncated/], // stored, 5 bytes announced, 1 present
      [[0x03, 0x02, 0x00], /invalid distance .*before the start/], // fixed: length 3 at distance 1 on empty output
    ];
    for (const [bytes, message] of cases)
      expectFormatError(() => inflateRaw(Uint8Array.from(bytes), 10), message);
  });

  it('fails with a FileFormatError (never another error) when truncated or flipped', () => {
    const input = weights(600);
    for (const options of [{ level: 6 }, { strategy: constants.Z_FIXED }]) {
      const compressed = new Uint8Array(deflateRawSync(input, options));
      for (let cut = 0; cut < compressed.length; cut += 7) {
        expectFormatError(() => inflateRaw(compressed.subarray(0, cut), input.length));
      }
      for (let at = 0; at < compressed.length; at += 3) {
        const copy = compressed.slice();
        copy[at]! ^= 0x24;
        try {
          inflateRaw(copy, input.length);
        } catch (e) {
          expect(e).toBeInstanceOf(FileFormatError);
        }
      }
    }
  });
});
