import { describe, expect, it } from 'vitest';
import { expectError, fixturePath, loadFixture } from '../../testing/src/index.ts';
import { FileFormatError } from './errors.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

/** Builds a safetensors file by hand from a header object and raw data bytes (independent of the writer). */
function handMade(header: unknown, data: Uint8Array = new Uint8Array()): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('readSafetensors', () => {
  it('reads the official fixture with the shapes its README documents', () => {
    const file = loadFixture('official/pdc_ops.safetensors');
    expect(file.tensors.get('input')?.shape).toEqual([2, 8, 12, 12]);
    expect(file.tensors.get('input')?.dtype).toBe('F32');
    expect(file.tensors.get('cd_full.weight')?.shape).toEqual([6, 3, 3, 3]);
    expect(Object.keys(file.metadata).length).toBeGreaterThan(0);
    expect(fixturePath('official/pdc_ops.safetensors')).toMatch(/pdc_ops\.safetensors$/);
  });

  it('decodes every dtype from hand-written bytes', () => {
    const bytes = new Uint8Array([
      ...[0x00, 0x3c, 0x00, 0xc0], // F16: 1, -2
      ...[0x80, 0x3f, 0x40, 0xc0], // BF16: 1, -3
      ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // I64: -1
      ...[0xfe], // I8: -2
      ...[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f], // F64: 1.5
    ]);
    const file = readSafetensors(
      handMade(
        {
          h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
          l: { dtype: 'I64', shape: [1], data_offsets: [8, 16] },
          c: { dtype: 'I8', shape: [1], data_offsets: [16, 17] },
          d: { dtype: 'F64', shape: [], data_offsets: [17, 25] },
        },
        bytes,
      ),
    );
    expect([...file.tensors.get('h')!.values]).toEqual([1, -2]);
    expect([...file.tensors.get('b')!.values]).toEqual([1, -3]);
    expect([...file.tensors.get('l')!.values]).toEqual([-1]);
    expect([...file.tensors.get('c')!.values]).toEqual([-2]);
    expect([...file.tensors.get('d')!.values]).toEqual([1.5]);
  });

  it('round-trips what writeSafetensors writes, with an 8-byte aligned data section', () => {
    const values = new Float32Array([0.5, -1.25, 3e-8, 7]);
    const bytes = writeSafetensors(
      { w: { shape: [2, 2], values }, i: { shape: [3], values: new Int32Array([1, -2, 3]) } },
      { note: 'x' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ note: 'x' });
    expect(file.tensors.get('w')).toEqual({ dtype: 'F32', shape: [2, 2], values });
    expect([...file.tensors.get('i')!.values]).toEqual([1, -2, 3]);
  });

  const broken: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(5), /too short/],
    ['a header length past the end', handMade({}).subarray(0, 9), /past the end/],
    [
      'a header that is not JSON',
      (() => {
        const b = handMade({ a: 1 });
        b[9] = 0x7b;
        b[10] = 0x7b;
        return b;
      })(),
      /not valid UTF-8 JSON/,
    ],
    [
      'an unknown dtype',
      handMade({ t: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /unsupported dtype "Q4"/,
    ],
    [
      'a negative dimension',
      handMade({ t: { dtype: 'U8', shape: [-1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /invalid shape/,
    ],
    [
      'data past the end',
      handMade({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      /past the 8 data bytes/,
    ],
    [
      'a size that disagrees with the shape',
      handMade({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /needs 12/,
    ],
    [
      'int64 out of int32 range',
      handMade(
        { t: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } },
        new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0]),
      ),
      /does not fit int32/,
    ],
  ];
  it.each(broken)('rejects %s with a FileFormatError naming the source', (_, bytes, message) => {
    expectError(
      () => readSafetensors(bytes, 'broken.safetensors'),
      FileFormatError,
      /^broken\.safetensors: /,
    );
    expectError(() => readSafetensors(bytes, 'broken.safetensors'), FileFormatError, message);
  });
});
