// Files written by h5py (Debian package python3-h5py, run as /usr/bin/python3): the values are
// the same integer formula on both sides. Without h5py these tests fail: they do not skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@befunet/common';
import { everyByteCorruption, expectError } from '@befunet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { isHdf5, readHdf5 } from './hdf5.js';

const dir = mkdtempSync(join(tmpdir(), 'befunet-hdf5-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Value i of every dataset: (i * 37) % 251 - 100, cast to the dataset's type. */
const formula = (i: number) => ((i * 37) % 251) - 100;

// The generating script: one dataset per layout, type and byte order under test.
const SCRIPT = `
import sys, h5py, numpy as np
out = sys.argv[1]
def values(dtype, shape):
    n = int(np.prod(shape))
    v = (np.arange(n, dtype=np.int64) * 37) % 251 - 100
    if np.dtype(dtype).kind == 'u': v = v + 100
    return v.astype(dtype).reshape(shape)
def put(f, path, dtype, shape, **kw):
    f.create_dataset(path, data=values(dtype, shape), **kw)
with h5py.File(out + '/earliest.h5', 'w') as f:
    put(f, 'contiguous_f4', '<f4', (3, 4, 5))
    put(f, 'big_f8', '>f8', (6, 7))
    put(f, 'u1', 'u1', (11,))
    put(f, 'big_i2', '>i2', (5, 3))
    put(f, 'u2', '<u2', (4, 4))
    put(f, 'i4', '<i4', (2, 3))
    put(f, 'i8', '<i8', (9,))
    put(f, 'f2', '<f2', (3, 3))
    put(f, 'scalar', '<f4', ())
    put(f, 'gzip_shuffle_i2', '<i2', (10, 7, 9), chunks=(4, 3, 5), compression='gzip', shuffle=True)
    put(f, 'many_chunks_f4', '<f4', (40, 50), chunks=(2, 3), compression='gzip')
    put(f, 'fletcher_big_f4', '>f4', (8, 8), chunks=(3, 3), fletcher32=True, shuffle=True, compression='gzip')
    put(f, 'chunked_plain_u1', 'u1', (9, 9), chunks=(4, 4))
    put(f, 'a/b/c/nested', '<i4', (2, 2))
    space = h5py.h5s.create_simple((3, 5))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    d = h5py.h5d.create(f.id, b'compact_i2', h5py.h5t.STD_I16LE, space, dcpl=dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, values('<i2', (3, 5)))
    f['text'] = 'not numeric'
with h5py.File(out + '/latest.h5', 'w', libver='latest') as f:
    put(f, 'contiguous_f4', '<f4', (3, 4, 5))
    put(f, 'single_gzip_f8', '<f8', (4, 6), chunks=(4, 6), compression='gzip')
    put(f, 'fixed_array_gzip_i2', '>i2', (10, 7, 9), chunks=(4, 3, 5), compression='gzip', shuffle=True)
    put(f, 'fixed_array_u1', 'u1', (9, 9), chunks=(4, 4))
    put(f, 'g/h/nested', '<u2', (3, 3))
with h5py.File(out + '/extensible.h5', 'w', libver='latest') as f:
    put(f, 'grows', '<f4', (4, 4), chunks=(2, 2), maxshape=(None, 4))
with h5py.File(out + '/dense.h5', 'w', libver='latest') as f:
    for i in range(12): put(f, 'd%d' % i, 'u1', (2,))
with h5py.File(out + '/small.h5', 'w') as f:
    put(f, 'image', '<f4', (4, 5), chunks=(2, 5), compression='gzip', shuffle=True)
`;
execFileSync('/usr/bin/python3', ['-c', SCRIPT, dir]);
const load = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

function expected(dtype: string, shape: number[]): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => (dtype.startsWith('u') ? formula(i) + 100 : formula(i)));
}

const EARLIEST: [string, string, number[]][] = [
  ['contiguous_f4', 'float32', [3, 4, 5]],
  ['big_f8', 'float64', [6, 7]],
  ['u1', 'uint8', [11]],
  ['big_i2', 'int16', [5, 3]],
  ['u2', 'uint16', [4, 4]],
  ['i4', 'int32', [2, 3]],
  ['i8', 'int64', [9]],
  ['f2', 'float16', [3, 3]],
  ['scalar', 'float32', []],
  ['gzip_shuffle_i2', 'int16', [10, 7, 9]],
  ['many_chunks_f4', 'float32', [40, 50]],
  ['fletcher_big_f4', 'float32', [8, 8]],
  ['chunked_plain_u1', 'uint8', [9, 9]],
  ['a/b/c/nested', 'int32', [2, 2]],
  ['compact_i2', 'int16', [3, 5]],
];

const LATEST: [string, string, number[]][] = [
  ['contiguous_f4', 'float32', [3, 4, 5]],
  ['single_gzip_f8', 'float64', [4, 6]],
  ['fixed_array_gzip_i2', 'int16', [10, 7, 9]],
  ['fixed_array_u1', 'uint8', [9, 9]],
  ['g/h/nested', 'uint16', [3, 3]],
];

describe('readHdf5 on h5py files', () => {
  const earliest = readHdf5(load('earliest.h5'), 'earliest.h5', { datasets: EARLIEST.map((e) => e[0]) });
  it.each(EARLIEST)("libver='earliest' (superblock 0, object header v1): %s", (path, dtype, shape) => {
    const d = earliest.get(path)!;
    expect({ dtype: d.dtype, shape: d.shape }).toEqual({ dtype, shape });
    expect(Array.from(d.data)).toEqual(expected(dtype, shape));
  });

  const latest = readHdf5(load('latest.h5'), 'latest.h5');
  it.each(LATEST)("libver='latest' (superblock 3, object header v2, layout v4): %s", (path, dtype, shape) => {
    const d = latest.get(path)!;
    expect({ dtype: d.dtype, shape: d.shape }).toEqual({ dtype, shape });
    expect(Array.from(d.data)).toEqual(expected(dtype, shape));
  });

  it('lists every dataset path, and reads only those asked for', () => {
    expect([...latest.keys()].sort()).toEqual(LATEST.map((e) => e[0]).sort());
    expect([...readHdf5(load('earliest.h5'), 'e.h5', { datasets: ['u1'] }).keys()]).toEqual(['u1']);
    expect(isHdf5(load('small.h5'))).toBe(true);
  });
});

describe('readHdf5 rejects what it does not support, naming file and feature', () => {
  it('variable-length (string) datasets', () => {
    expectError(
      () => readHdf5(load('earliest.h5'), 'e.h5'),
      FileFormatError,
      /e\.h5.*unsupported datatype class variable-length/,
    );
  });
  it('extensible-array chunk indexes (unlimited dimensions)', () => {
    expectError(() => readHdf5(load('extensible.h5'), 'x.h5'), FileFormatError, /x\.h5.*extensible array/);
  });
  it('dense link storage', () => {
    expectError(() => readHdf5(load('dense.h5'), 'd.h5'), FileFormatError, /d\.h5.*dense link storage/);
  });
  it('files that are not HDF5', () => {
    expectError(() => readHdf5(new Uint8Array(100), 'n.h5'), FileFormatError, /n\.h5.*no HDF5 signature/);
  });
  it('truncated and corrupted files end in a FileFormatError or a result', () => {
    const small = load('small.h5');
    for (const cut of [8, 40, 500, small.length - 10]) {
      expectError(() => readHdf5(small.subarray(0, cut), 't.h5'), FileFormatError, /t\.h5/);
    }
    expect(everyByteCorruption(small, (b) => readHdf5(b))).toBeGreaterThan(100);
  });
});
