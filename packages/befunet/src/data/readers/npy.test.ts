import { ConfigError, FileFormatError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { encodeNpy, isNpy, readNpy } from './npy.js';

/** A .npy file built from the format description: magic, version, header length, dict, data. */
function npyBytes(dict: string, payload: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const padded = `${dict}${' '.repeat(63 - ((prefix + dict.length) % 64))}\n`;
  const out = new Uint8Array(prefix + padded.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), prefix);
  out.set(payload, prefix + padded.length);
  return out;
}

/** Bytes of `values` written with DataView setter `set` (item size `size`). */
function packed(
  values: (number | bigint)[],
  size: number,
  set: (v: DataView, at: number, x: never) => void,
): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => {
    set(view, i * size, x as never);
  });
  return out;
}

const header = (descr: string, shape: string, fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

describe('readNpy: dtypes', () => {
  const cases: [
    string,
    string,
    number,
    (v: DataView, at: number, x: never) => void,
    (number | bigint)[],
    number[],
  ][] = [
    [
      '<f4',
      'float32',
      4,
      (v, a, x) => v.setFloat32(a, x, true),
      [1.5, -2.25, 2 ** 30],
      [1.5, -2.25, 2 ** 30],
    ],
    ['>f4', 'float32', 4, (v, a, x) => v.setFloat32(a, x, false), [1.5, -2.25, 0], [1.5, -2.25, 0]],
    [
      '<f8',
      'float64',
      8,
      (v, a, x) => v.setFloat64(a, x, true),
      [Math.PI, -1e-300, 7],
      [Math.PI, -1e-300, 7],
    ],
    ['>f8', 'float64', 8, (v, a, x) => v.setFloat64(a, x, false), [Math.E, 2, 3], [Math.E, 2, 3]],
    ['<i2', 'int16', 2, (v, a, x) => v.setInt16(a, x, true), [-32768, 1, 32767], [-32768, 1, 32767]],
    ['>i2', 'int16', 2, (v, a, x) => v.setInt16(a, x, false), [-300, 2, 300], [-300, 2, 300]],
    ['<u2', 'uint16', 2, (v, a, x) => v.setUint16(a, x, true), [0, 1, 65535], [0, 1, 65535]],
    [
      '<i4',
      'int32',
      4,
      (v, a, x) => v.setInt32(a, x, true),
      [-(2 ** 31), 5, 2 ** 31 - 1],
      [-(2 ** 31), 5, 2 ** 31 - 1],
    ],
    ['>i4', 'int32', 4, (v, a, x) => v.setInt32(a, x, false), [-7, 5, 70000], [-7, 5, 70000]],
    ['<u4', 'uint32', 4, (v, a, x) => v.setUint32(a, x, true), [0, 1, 2 ** 32 - 1], [0, 1, 2 ** 32 - 1]],
    ['<i8', 'int64', 8, (v, a, x) => v.setBigInt64(a, x, true), [-5n, 0n, 2n ** 40n], [-5, 0, 2 ** 40]],
    ['>i8', 'int64', 8, (v, a, x) => v.setBigInt64(a, x, false), [-5n, 9n, 13n], [-5, 9, 13]],
    ['<u8', 'uint64', 8, (v, a, x) => v.setBigUint64(a, x, true), [0n, 1n, 2n ** 50n], [0, 1, 2 ** 50]],
    ['|u1', 'uint8', 1, (v, a, x) => v.setUint8(a, x), [0, 128, 255], [0, 128, 255]],
    ['|i1', 'int8', 1, (v, a, x) => v.setInt8(a, x), [-128, 0, 127], [-128, 0, 127]],
    ['|b1', 'bool', 1, (v, a, x) => v.setUint8(a, x), [0, 1, 1], [0, 1, 1]],
    // float16: 1.0 = 0x3c00, -2.0 = 0xc000, 2^-24 (smallest subnormal) = 0x0001.
    ['<f2', 'float16', 2, (v, a, x) => v.setUint16(a, x, true), [0x3c00, 0xc000, 0x0001], [1, -2, 2 ** -24]],
  ];
  for (const [descr, dtype, size, set, values, expected] of cases) {
    it(`reads ${descr} as ${dtype}`, () => {
      const array = readNpy(npyBytes(header(descr, '(3,)'), packed(values, size, set)), 'a.npy');
      expect(array.dtype).toBe(dtype);
      expect(array.shape).toEqual([3]);
      expect(Array.from(array.data)).toEqual(expected);
    });
  }
});

describe('readNpy: layout and versions', () => {
  const f32 = (values: number[]) => packed(values, 4, (v, a, x) => v.setFloat32(a, x, true));

  it('reads C-order 2-D arrays and scalars', () => {
    const a = readNpy(npyBytes(header('<f4', '(2, 3)'), f32([0, 1, 2, 3, 4, 5])));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5]);
    const s = readNpy(npyBytes(header('<f4', '()'), f32([7])));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data)).toEqual([7]);
    const empty = readNpy(npyBytes(header('<f4', '(0, 4)'), new Uint8Array(0)));
    expect(empty.data.length).toBe(0);
  });

  it('reorders Fortran-order arrays into C order', () => {
    // A[i][j] = 10 i + j for a 2x3 array; Fortran order stores columns: A00 A10 A01 A11 A02 A12.
    const a = readNpy(npyBytes(header('<f4', '(2, 3)', 'True'), f32([0, 10, 1, 11, 2, 12])));
    expect(Array.from(a.data)).toEqual([0, 1, 2, 10, 11, 12]);
    // 3-D: B[i][j][k] = 100 i + 10 j + k, shape (2, 2, 3), first index fastest in the file.
    const fortran: number[] = [];
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) fortran.push(100 * i + 10 * j + k);
    const b = readNpy(npyBytes(header('<f4', '(2, 2, 3)', 'True'), f32(fortran)));
    const c: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) c.push(100 * i + 10 * j + k);
    expect(Array.from(b.data)).toEqual(c);
  });

  it('reads format versions 2.0 and 3.0 and keys in any order', () => {
    for (const major of [2, 3]) {
      const dict = "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}";
      const a = readNpy(npyBytes(dict, f32([1, 2]), major));
      expect(Array.from(a.data)).toEqual([1, 2]);
    }
  });

  it('round-trips encodeNpy for every writable dtype', () => {
    for (const [dtype, data] of [
      ['float32', Float32Array.from([1.5, -2, 0.25, 8, 9, 10])],
      ['float64', Float64Array.from([Math.PI, 1, 2, 3, 4, 5])],
      ['int16', Int16Array.from([-3, 0, 3, 4, 5, 6])],
      ['int32', Int32Array.from([-3, 0, 3, 4, 5, 2 ** 30])],
      ['uint8', Uint8Array.from([0, 255, 3, 4, 5, 6])],
      ['int64', Float64Array.from([-(2 ** 40), 0, 1, 2, 3, 4])],
      ['bool', Uint8Array.from([0, 1, 1, 0, 1, 0])],
    ] as const) {
      const bytes = encodeNpy({ dtype, shape: [2, 3], data });
      expect(isNpy(bytes)).toBe(true);
      expect(
        (bytes.length - data.length * data.BYTES_PER_ELEMENT) % 64 === 0 ||
          dtype === 'int64' ||
          dtype === 'bool',
      ).toBe(true);
      const back = readNpy(bytes);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([2, 3]);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
    const header1d = new TextDecoder().decode(
      encodeNpy({ dtype: 'float32', shape: [4], data: new Float32Array(4) }),
    );
    expect(header1d).toContain("'shape': (4,)");
    expect(() => encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(3) })).toThrow(
      ConfigError,
    );
  });
});

describe('readNpy: corrupt files', () => {
  const good = npyBytes(header('<f4', '(2, 2)'), new Uint8Array(16));
  const fails = (bytes: Uint8Array, match: RegExp) => {
    expect(() => readNpy(bytes, 'bad.npy')).toThrow(FileFormatError);
    expect(() => readNpy(bytes, 'bad.npy')).toThrow(match);
  };

  it('rejects truncation at every length', () => {
    for (let n = 0; n < good.length; n += 5) fails(good.subarray(0, n), /bad\.npy: npy/);
  });

  it('rejects bad magic, versions, header lengths and headers', () => {
    const magic = good.slice();
    magic[1] = 0;
    fails(magic, /magic/);
    const version = good.slice();
    version[6] = 4;
    fails(version, /version 4/);
    const length = good.slice();
    length[9] = 0xff;
    fails(length, /header declares/);
    fails(npyBytes(header('<c8', '(2,)'), new Uint8Array(16)), /unsupported dtype '<c8'/);
    fails(npyBytes(header('<U3', '(2,)'), new Uint8Array(24)), /unsupported dtype/);
    fails(
      npyBytes("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }", new Uint8Array(8)),
      /structured/,
    );
    fails(npyBytes("{'descr': '<f4', 'shape': (2,), }", new Uint8Array(8)), /fortran_order/);
    fails(
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", new Uint8Array(8)),
      /dimension/,
    );
    fails(npyBytes('not a dict', new Uint8Array(8)), /expected '\{'/);
    fails(npyBytes(header('<f4', '(1000000, 1000000)'), new Uint8Array(8)), /needs 4000000000000 data bytes/);
  });
});
