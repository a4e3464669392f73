import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { everyByteCorruption } from '../../../testing/src/corruption.ts';
import { gzip } from '../deflate.js';
import { ConfigError, FileFormatError, InvalidValueError } from '../errors.js';
import { encodeNifti } from './encode.js';
import { readNiftiHeader } from './header.js';
import { pairImageName, readNifti, readNiftiPair } from './read.js';

interface Spec {
  dim: number[];
  datatype: number;
  bitpix: number;
  /** Writes voxel i at byte offset `at` of the data view. */
  put: (v: DataView, at: number, i: number) => void;
  le?: boolean;
  slope?: number;
  inter?: number;
  pixdim?: number[];
  voxOffset?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: number[];
  qoffset?: number[];
  srow?: number[][];
  magic?: string;
  sizeofHdr?: number;
}

/** A .nii file written field by field at the offsets of the NIfTI-1 header (nifti1.h). */
function nii(s: Spec): Uint8Array {
  const le = s.le ?? true;
  const count = s.dim.reduce((n, d) => n * d, 1);
  const voxOffset = s.voxOffset ?? 352;
  const out = new Uint8Array(Math.max(voxOffset + (count * s.bitpix) / 8, 352));
  const v = new DataView(out.buffer);
  v.setInt32(0, s.sizeofHdr ?? 348, le);
  v.setInt16(40, s.dim.length, le);
  s.dim.forEach((d, k) => {
    v.setInt16(42 + 2 * k, d, le);
  });
  v.setInt16(70, s.datatype, le);
  v.setInt16(72, s.bitpix, le);
  (s.pixdim ?? [1, 1, 1, 1]).forEach((p, k) => {
    v.setFloat32(76 + 4 * k, p, le);
  });
  v.setFloat32(108, voxOffset, le);
  v.setFloat32(112, s.slope ?? 0, le);
  v.setFloat32(116, s.inter ?? 0, le);
  out[123] = 10; // mm + s
  out.set(new TextEncoder().encode('hand-made'), 148);
  v.setInt16(252, s.qformCode ?? 0, le);
  v.setInt16(254, s.sformCode ?? 0, le);
  (s.quatern ?? [0, 0, 0]).forEach((q, k) => {
    v.setFloat32(256 + 4 * k, q, le);
  });
  (s.qoffset ?? [0, 0, 0]).forEach((q, k) => {
    v.setFloat32(268 + 4 * k, q, le);
  });
  (s.srow ?? []).forEach((row, r) => {
    row.forEach((x, c) => {
      v.setFloat32(280 + 16 * r + 4 * c, x, le);
    });
  });
  out.set(new TextEncoder().encode(s.magic ?? 'n+1\0'), 344);
  const data = new DataView(out.buffer, voxOffset);
  for (let i = 0; i < count; i++) s.put(data, (i * s.bitpix) / 8, i);
  return out;
}

const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]; // a 3x2x2 volume, value = linear index
const dim = [3, 2, 2];

describe('readNifti: datatypes, byte order, scaling', () => {
  const cases: [string, number, number, (le: boolean) => (v: DataView, at: number, i: number) => void][] = [
    ['uint8', 2, 8, () => (v, at, i) => v.setUint8(at, values[i]! * 20)],
    ['int16', 4, 16, (le) => (v, at, i) => v.setInt16(at, values[i]! * -1000, le)],
    ['int32', 8, 32, (le) => (v, at, i) => v.setInt32(at, values[i]! * 100000, le)],
    ['float32', 16, 32, (le) => (v, at, i) => v.setFloat32(at, values[i]! * 0.5, le)],
    ['float64', 64, 64, (le) => (v, at, i) => v.setFloat64(at, values[i]! * 0.25, le)],
    ['int8', 256, 8, () => (v, at, i) => v.setInt8(at, -values[i]! * 10)],
    ['uint16', 512, 16, (le) => (v, at, i) => v.setUint16(at, values[i]! * 5000, le)],
    ['uint32', 768, 32, (le) => (v, at, i) => v.setUint32(at, values[i]! * 300000000, le)],
  ];
  const factor: Record<string, number> = {
    uint8: 20,
    int16: -1000,
    int32: 100000,
    float32: 0.5,
    float64: 0.25,
    int8: -10,
    uint16: 5000,
    uint32: 300000000,
  };
  for (const [dtype, datatype, bitpix, put] of cases) {
    for (const le of [true, false]) {
      it(`reads ${dtype} ${le ? 'little' : 'big'}-endian`, () => {
        const volume = readNifti(nii({ dim, datatype, bitpix, put: put(le), le }), 'v.nii');
        expect(volume.header.dtype).toBe(dtype);
        expect(volume.header.littleEndian).toBe(le);
        expect(volume.shape).toEqual(dim);
        expect(volume.data).toEqual(Float32Array.from(values, (x) => x * factor[dtype]! + 0));
      });
    }
  }

  it('applies scl_slope and scl_inter, and ignores a zero slope', () => {
    const put = (v: DataView, at: number, i: number) => v.setInt16(at, values[i]!, true);
    const scaled = readNifti(nii({ dim, datatype: 4, bitpix: 16, put, slope: 2, inter: -1024 }));
    expect(Array.from(scaled.data)).toEqual(values.map((x) => 2 * x - 1024));
    const unscaled = readNifti(nii({ dim, datatype: 4, bitpix: 16, put, slope: 0, inter: 5 }));
    expect(Array.from(unscaled.data)).toEqual(values);
  });

  it('reads .nii.gz (node gzip) and a vox_offset past extensions', () => {
    const file = nii({ dim, datatype: 2, bitpix: 8, put: (v, at, i) => v.setUint8(at, i), voxOffset: 400 });
    const volume = readNifti(new Uint8Array(zlib.gzipSync(file)), 'v.nii.gz');
    expect(volume.header.voxOffset).toBe(400);
    expect(Array.from(volume.data)).toEqual(values);
  });
});

describe('readNiftiHeader: geometry', () => {
  const put = (v: DataView, at: number) => v.setUint8(at, 0);

  it('builds the qform from the quaternion, pixdim and qfac', () => {
    // 180 degrees about z (b = c = 0, d = 1, so a = 0): R = diag(-1, -1, 1); qfac = -1 flips k.
    const h = readNiftiHeader(
      nii({
        dim,
        datatype: 2,
        bitpix: 8,
        put,
        pixdim: [-1, 2, 3, 4],
        qformCode: 1,
        quatern: [0, 0, 1],
        qoffset: [10, 20, 30],
      }),
    );
    expect(h.qformCode).toBe(1);
    expect(h.affine).toEqual([
      [-2, 0, 0, 10],
      [0, -3, 0, 20],
      [0, 0, -4, 30],
      [0, 0, 0, 1],
    ]);
    // 90 degrees about z: d = sin(45 deg), a = cos(45 deg): x' = -y, y' = x.
    const q = readNiftiHeader(
      nii({
        dim,
        datatype: 2,
        bitpix: 8,
        put,
        pixdim: [1, 1, 1, 1],
        qformCode: 2,
        quatern: [0, 0, Math.SQRT1_2],
      }),
    );
    const m = q.affine.map((row) => row.map((x) => Math.round(x * 1e6) / 1e6 + 0));
    expect(m).toEqual([
      [0, -1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('prefers the sform when sform_code > 0 and falls back to pixdim when neither code is set', () => {
    const srow = [
      [0, 0, 1.5, -10],
      [0, 2, 0, -20],
      [-3, 0, 0, 30],
    ];
    const h = readNiftiHeader(nii({ dim, datatype: 2, bitpix: 8, put, qformCode: 1, sformCode: 4, srow }));
    expect(h.sformCode).toBe(4);
    expect(h.affine).toEqual([...srow, [0, 0, 0, 1]]);
    const none = readNiftiHeader(nii({ dim, datatype: 2, bitpix: 8, put, pixdim: [1, 0.5, 0.75, 2.5] }));
    expect(none.affine).toEqual([
      [0.5, 0, 0, 0],
      [0, 0.75, 0, 0],
      [0, 0, 2.5, 0],
      [0, 0, 0, 1],
    ]);
    expect(none.descrip).toBe('hand-made');
  });
});

describe('encodeNifti', () => {
  const source = nii({
    dim: [3, 2, 2],
    datatype: 4,
    bitpix: 16,
    put: (v, at, i) => v.setInt16(at, i * 100 - 500, false),
    le: false,
    slope: 1,
    inter: 0,
    pixdim: [-1, 0.8, 0.8, 2.5],
    qformCode: 1,
    sformCode: 1,
    quatern: [0, 0, 1],
    qoffset: [5, 6, 7],
    srow: [
      [-0.8, 0, 0, 5],
      [0, -0.8, 0, 6],
      [0, 0, 2.5, 7],
    ],
  });

  it('writes a label volume that keeps the source geometry (read back as bytes and through readNifti)', () => {
    const ct = readNifti(source, 'ct.nii');
    const labels = Uint8Array.from(values, (x) => x % 9);
    const bytes = encodeNifti({ shape: ct.shape, data: labels }, ct.header);
    // Field by field, at the nifti1.h offsets.
    const v = new DataView(bytes.buffer);
    expect(v.getInt32(0, true)).toBe(348);
    expect([0, 1, 2, 3].map((k) => v.getInt16(40 + 2 * k, true))).toEqual([3, 3, 2, 2]);
    expect(v.getInt16(70, true)).toBe(2);
    expect(v.getInt16(72, true)).toBe(8);
    expect(v.getFloat32(108, true)).toBe(352);
    expect(new TextDecoder().decode(bytes.subarray(344, 348))).toBe('n+1\0');
    expect(Array.from(bytes.subarray(352))).toEqual(Array.from(labels));
    const back = readNifti(bytes, 'labels.nii');
    expect(Array.from(back.data)).toEqual(Array.from(labels));
    for (const key of [
      'pixdim',
      'qformCode',
      'sformCode',
      'quatern',
      'qoffset',
      'srow',
      'affine',
      'xyztUnits',
      'descrip',
    ] as const) {
      expect(back.header[key]).toEqual(ct.header[key]);
    }
    // And gzipped, as a .nii.gz.
    expect(readNifti(gzip(bytes), 'labels.nii.gz').data).toEqual(back.data);
  });

  it('writes int16 and float32 volumes; without a source header the geometry is the identity', () => {
    const data = [-300, 0, 300, 1, 2, 3];
    const i16 = readNifti(encodeNifti({ shape: [3, 2], data, dtype: 'int16' }));
    expect(i16.header.dtype).toBe('int16');
    expect(i16.shape).toEqual([3, 2]);
    expect(Array.from(i16.data)).toEqual(data);
    expect(i16.header.affine).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    const f32 = readNifti(encodeNifti({ shape: [6], data: [0.5, -1.25, 2, 3, 4, 5], dtype: 'float32' }));
    expect(Array.from(f32.data)).toEqual([0.5, -1.25, 2, 3, 4, 5]);
  });

  it('rejects values out of range, wrong sizes and shapes that do not match the source header', () => {
    expect(() => encodeNifti({ shape: [2], data: [0, 256] })).toThrow(InvalidValueError);
    expect(() => encodeNifti({ shape: [2], data: [0, 1.5] })).toThrow(InvalidValueError);
    expect(() => encodeNifti({ shape: [2], data: [0, 40000], dtype: 'int16' })).toThrow(InvalidValueError);
    expect(() => encodeNifti({ shape: [3], data: [0, 1] })).toThrow(ConfigError);
    expect(() => encodeNifti({ shape: [], data: [] })).toThrow(ConfigError);
    const ct = readNifti(source);
    expect(() => encodeNifti({ shape: [2, 3, 2], data: new Array(12).fill(0) }, ct.header)).toThrow(
      /does not match/,
    );
  });
});

describe('readNifti: corrupt files', () => {
  const good = nii({ dim, datatype: 2, bitpix: 8, put: (v, at, i) => v.setUint8(at, i) });
  const fails = (bytes: Uint8Array, match: RegExp) => {
    expect(() => readNifti(bytes, 'bad.nii')).toThrow(FileFormatError);
    expect(() => readNifti(bytes, 'bad.nii')).toThrow(match);
  };
  const put = (v: DataView, at: number) => v.setUint8(at, 0);

  it('rejects truncated headers and data, also inside gzip', () => {
    fails(good.subarray(0, 100), /bad\.nii: NIfTI: truncated header \(100 of 348 bytes\)/);
    fails(good.subarray(0, good.length - 1), /needs 12 bytes from offset 352/);
    const gz = new Uint8Array(zlib.gzipSync(good));
    fails(gz.subarray(0, gz.length - 3), /bad\.nii: truncated: the gzip stream ends before its end marker/);
    const flipped = gz.slice();
    flipped[gz.length - 8]! ^= 1;
    fails(flipped, /CRC-32 mismatch/);
  });

  it('rejects bad sizeof_hdr, NIfTI-2, pairs and bad magic', () => {
    fails(nii({ dim, datatype: 2, bitpix: 8, put, sizeofHdr: 100 }), /sizeof_hdr is 100/);
    fails(nii({ dim, datatype: 2, bitpix: 8, put, sizeofHdr: 540 }), /truncated NIfTI-2 header \(364 of 540/);
    fails(nii({ dim, datatype: 2, bitpix: 8, put, magic: 'ni1\0' }), /\.hdr\/\.img pair/);
    fails(nii({ dim, datatype: 2, bitpix: 8, put, magic: 'abc\0' }), /bad magic "abc".*plain Analyze 7\.5/);
    fails(
      nii({ dim, datatype: 2, bitpix: 8, put, magic: '\0\0\0\0' }),
      /not supported: Analyze stores no orientation/,
    );
  });

  it('rejects unsupported datatypes, bitpix mismatches, bad dims and offsets', () => {
    fails(nii({ dim, datatype: 128, bitpix: 24, put }), /unsupported datatype 128/);
    fails(nii({ dim, datatype: 4, bitpix: 8, put }), /bitpix 8 does not match datatype int16/);
    fails(nii({ dim: [3, 0, 2], datatype: 2, bitpix: 8, put }), /dim\[2\] = 0/);
    fails(nii({ dim: [1, 1, 1, 1, 1, 1, 1, 1], datatype: 2, bitpix: 8, put }), /dim\[0\] = 8/);
    fails(nii({ dim, datatype: 2, bitpix: 8, put, voxOffset: 200 }), /vox_offset 200/);
    // Huge declared dims over a small file: refused before any allocation.
    const huge = good.slice();
    for (let k = 0; k < 3; k++) new DataView(huge.buffer).setInt16(42 + 2 * k, 32767, true);
    fails(huge, /needs 35181150961663 bytes/);
  });

  it('turns any single corrupted byte of a .nii or .nii.gz into a FileFormatError (or a volume)', () => {
    expect(everyByteCorruption(good, (b) => readNifti(b))).toBeGreaterThan(0);
    const gz = gzip(good);
    expect(everyByteCorruption(gz, (b) => readNifti(b), [0x00, 0xff])).toBeGreaterThan(gz.length);
  });
});

describe('readNiftiPair: .hdr + .img', () => {
  const single = nii({
    dim,
    datatype: 4,
    bitpix: 16,
    put: (v, at, i) => v.setInt16(at, values[i]! - 6, true),
  });
  const header = single.slice(0, 348);
  header.set(new TextEncoder().encode('ni1\0'), 344);
  new DataView(header.buffer).setFloat32(108, 0, true);
  const image = single.slice(352);

  it('reads the voxels of the .img from vox_offset 0, either part gzipped', () => {
    const volume = readNiftiPair(header, image, { header: 'x.hdr' });
    expect(volume.header.pair).toBe(true);
    expect(Array.from(volume.data)).toEqual(values.map((x) => x - 6));
    expect(readNiftiPair(gzip(header), gzip(image), { header: 'x.hdr.gz' }).data).toEqual(volume.data);
  });

  it('names the .img when it is short or its gzip is cut', () => {
    expect(() => readNiftiPair(header, image.subarray(0, 5), { header: 'x.hdr' })).toThrow(
      /^x\.img: NIfTI: dim \[3,2,2\] of int16 needs 24 bytes from offset 0, file has 5/,
    );
    const gz = gzip(image);
    expect(() =>
      readNiftiPair(header, gz.subarray(0, gz.length - 4), { header: 'x.hdr', image: 'x.img.gz' }),
    ).toThrow(/^x\.img\.gz: truncated/);
  });

  it('finds the name of the .img beside a .hdr', () => {
    expect(pairImageName('a/b.hdr')).toBe('a/b.img');
    expect(pairImageName('a/b.hdr.gz')).toBe('a/b.img.gz');
    expect(pairImageName('B.HDR')).toBe('B.IMG');
  });
});
