import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint } from './pth/torch-checkpoint.js';
import { writeTorchCheckpoint } from './pth/torch-save.js';
import { readSafetensors, type SafetensorsEntry, writeSafetensors } from './safetensors.js';

/**
 * Writer/reader pairs round-trip any state dict exactly (issue 28): random names, shapes (scalars
 * and zero-size axes included), float32 values (infinities and -0 included; compared bit for bit)
 * and int32 values, for safetensors and for `torch.save` checkpoints.
 */
const shape = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });
const entry: fc.Arbitrary<SafetensorsEntry> = shape.chain((s) => {
  const n = s.reduce((a, b) => a * b, 1);
  return fc.oneof(
    fc
      .array(fc.float({ noNaN: true }), { minLength: n, maxLength: n })
      .map((v) => ({ dtype: 'F32' as const, shape: s, values: Float32Array.from(v) })),
    fc
      .array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n })
      .map((v) => ({ dtype: 'I32' as const, shape: s, values: Int32Array.from(v) })),
  );
});
const name = fc.stringMatching(/^[a-z][a-z0-9_.]{0,20}$/);
const stateDict = fc.uniqueArray(fc.tuple(name, entry), { minLength: 1, maxLength: 6, selector: ([k]) => k });

/** Bits of the values, so that -0 and 0 differ and equal bits mean an exact round trip. */
const bits = (values: Float32Array | Int32Array) =>
  Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

function expectSameEntries(
  read: ReadonlyMap<string, SafetensorsEntry>,
  written: [string, SafetensorsEntry][],
) {
  expect([...read.keys()].sort()).toEqual(written.map(([k]) => k).sort());
  for (const [key, e] of written) {
    const got = read.get(key)!;
    expect(got.dtype).toBe(e.dtype);
    expect([...got.shape]).toEqual([...e.shape]);
    expect(bits(got.values)).toEqual(bits(e.values));
  }
}

const RUNS = { numRuns: 100, seed: 20261207 };

describe('round trips of any state dict', () => {
  it('safetensors: writeSafetensors then readSafetensors, with metadata', () => {
    const metadata = fc.dictionary(name, fc.string({ maxLength: 12 }), { maxKeys: 3 });
    fc.assert(
      fc.property(stateDict, metadata, (entries, meta) => {
        const file = readSafetensors(writeSafetensors(Object.fromEntries(entries), meta), 'prop.safetensors');
        expectSameEntries(file.tensors, entries);
        expect(file.metadata).toEqual(meta);
      }),
      RUNS,
    );
  });

  it('torch.save: writeTorchCheckpoint then readTorchCheckpoint, in order', () => {
    fc.assert(
      fc.property(stateDict, (entries) => {
        const read = readTorchCheckpoint(writeTorchCheckpoint(new Map(entries)), 'prop.pth');
        expect([...read.keys()]).toEqual(entries.map(([k]) => k));
        expectSameEntries(read, entries);
      }),
      RUNS,
    );
  });
});
