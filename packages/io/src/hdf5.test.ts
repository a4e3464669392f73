// Files written by h5py (Debian package python3-h5py, run as /usr/bin/python3): the values are
// the same integer formula on both sides. Without h5py these tests fail: they do not skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from './errors.js';
import { isHdf5, readHdf5 } from './hdf5.js';

async function expectError(read: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileFormatError);
  expect((error as Error).message).toMatch(message);
}

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

describe('readHdf5 on h5py files', async () => {
  const earliest = await readHdf5(load('earliest.h5'), 'earliest.h5', {
    datasets: EARLIEST.map((e) => e[0]),
  });
  it.each(EARLIEST)("libver='earliest' (superblock 0, object header v1): %s", (path, dtype, shape) => {
    const d = earliest.get(path)!;
    expect({ dtype: d.dtype, shape: d.shape }).toEqual({ dtype, shape });
    expect(Array.from(d.data)).toEqual(expected(dtype, shape));
  });

  const latest = await readHdf5(load('latest.h5'), 'latest.h5');
  it.each(LATEST)("libver='latest' (superblock 3, object header v2, layout v4): %s", (path, dtype, shape) => {
    const d = latest.get(path)!;
    expect({ dtype: d.dtype, shape: d.shape }).toEqual({ dtype, shape });
    expect(Array.from(d.data)).toEqual(expected(dtype, shape));
  });

  it('lists every dataset path, and reads only those asked for', async () => {
    expect([...latest.keys()].sort()).toEqual(LATEST.map((e) => e[0]).sort());
    expect([...(await readHdf5(load('earliest.h5'), 'e.h5', { datasets: ['u1', 'none'] })).keys()]).toEqual([
      'u1',
    ]);
    expect(isHdf5(load('small.h5'))).toBe(true);
  });

  it('extensible-array chunk indexes (unlimited dimensions) and dense link storage', async () => {
    const grows = (await readHdf5(load('extensible.h5'), 'x.h5')).get('grows')!;
    expect({ dtype: grows.dtype, shape: grows.shape }).toEqual({ dtype: 'float32', shape: [4, 4] });
    expect(Array.from(grows.data)).toEqual(expected('float32', [4, 4]));
    const dense = await readHdf5(load('dense.h5'), 'd.h5');
    expect([...dense.keys()].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `d${i}`).sort());
    expect(Array.from(dense.get('d11')!.data)).toEqual(expected('uint8', [2]));
  });
});

describe('readHdf5 rejects what it does not support, naming file and feature', () => {
  it('variable-length (string) datasets', async () => {
    await expectError(
      readHdf5(load('earliest.h5'), 'e.h5', { datasets: ['text'] }),
      /e\.h5.*'text': unsupported datatype class string/,
    );
  });
  it('2-byte floats (h5wasm has no accessor for them)', async () => {
    await expectError(
      readHdf5(load('earliest.h5'), 'e.h5', { datasets: ['f2'] }),
      /e\.h5.*'f2'.*16-bit floats/,
    );
  });
  it('files that are not HDF5', async () => {
    await expectError(readHdf5(new Uint8Array(100), 'n.h5'), /n\.h5.*no HDF5 signature/);
  });
  it('truncated and corrupted files end in a FileFormatError or a result', async () => {
    const small = load('small.h5');
    for (const cut of [8, 40, 500, small.length - 10]) {
      await expectError(readHdf5(small.subarray(0, cut), 't.h5'), /t\.h5: HDF5: /);
    }
    let rejected = 0;
    for (let at = 0; at < small.length; at++)
      for (const value of [0x00, 0x7f, 0xff]) {
        const bad = small.slice();
        bad[at] = value;
        const error = await readHdf5(bad, 'c.h5').then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error === undefined) continue;
        if (!(error instanceof FileFormatError)) throw new Error(`byte ${at} = ${value}: ${String(error)}`);
        rejected++;
      }
    expect(rejected).toBeGreaterThan(100);
  });
});
