// A tiny fake Synapse tree written by numpy and h5py (Debian python3-h5py, /usr/bin/python3), with
// values from one formula on both sides. Without h5py/numpy these tests fail: they do not skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, FileFormatError, InvalidValueError } from '@befunet/common';
import { afterAll, describe, expect, it } from 'vitest';
import { SynapseSliceDataset } from './synapse-slice-dataset.js';
import { readSynapseVolume } from './synapse-volume.js';

const root = mkdtempSync(join(tmpdir(), 'befunet-synapse-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Image value i of case c: ((i * 13 + c) % 97) / 96; label: (i + c) % 9. */
const imageValue = (i: number, c: number) => Math.fround(((i * 13 + c) % 97) / 96);
const labelValue = (i: number, c: number) => (i + c) % 9;

const SCRIPT = String.raw`
import sys, os, h5py, numpy as np
root = sys.argv[1]
os.makedirs(root + '/train_npz'); os.makedirs(root + '/test_vol_h5'); os.makedirs(root + '/lists')
def arrays(shape, c):
    i = np.arange(int(np.prod(shape)))
    return (((i * 13 + c) % 97) / 96).astype('<f4').reshape(shape), ((i + c) % 9).astype('<f4').reshape(shape)
for c, s in [(5, 12), (5, 13), (7, 0)]:
    image, label = arrays((6, 5), c)
    save = np.savez_compressed if s == 13 else np.savez
    save(root + '/train_npz/case%04d_slice%03d.npz' % (c, s), image=image, label=label.astype('u1'))
image, label = arrays((6, 5), 1)
np.savez(root + '/train_npz/case0009_slice000.npz', image=image)
np.savez(root + '/train_npz/case0009_slice001.npz', image=image, label=label[:5])
np.savez(root + '/train_npz/case0009_slice002.npz', image=image, label=label + 9)
with open(root + '/lists/train.txt', 'w') as f: f.write('case0005_slice013\ncase0007_slice000\n\ncase0005_slice012\n')
with open(root + '/lists/missing.txt', 'w') as f: f.write('case0005_slice012\ncase0099_slice000\n')
with open(root + '/lists/bad.txt', 'w') as f: f.write('case0009_slice000\ncase0009_slice001\ncase0009_slice002\n')
for c in (1, 2):
    image, label = arrays((3, 6, 5), c)
    with h5py.File(root + '/test_vol_h5/case%04d.npy.h5' % c, 'w') as f:
        f['image'] = image
        f.create_dataset('label', data=label, compression='gzip', chunks=(1, 6, 5))
with h5py.File(root + '/test_vol_h5/nolabel.npy.h5', 'w') as f:
    f['image'] = arrays((3, 6, 5), 1)[0]
`;
execFileSync('/usr/bin/python3', ['-c', SCRIPT, root]);
const train = join(root, 'train_npz');

describe('SynapseSliceDataset', () => {
  it('reads the listed slices in list order, image float32 and label class ids', async () => {
    const data = new SynapseSliceDataset(train, join(root, 'lists/train.txt'));
    expect([data.length, data.numClasses, data.channels]).toEqual([3, 9, 1]);
    expect(data.names).toEqual(['case0005_slice013', 'case0007_slice000', 'case0005_slice012']);
    const sample = await data.get(1);
    expect([sample.id, sample.height, sample.width, sample.channels]).toEqual(['case0007_slice000', 6, 5, 1]);
    expect(Array.from(sample.image)).toEqual(Array.from({ length: 30 }, (_, i) => imageValue(i, 7)));
    expect(Array.from(sample.label)).toEqual(Array.from({ length: 30 }, (_, i) => labelValue(i, 7)));
    const compressed = await data.get(0);
    expect(Array.from(compressed.label)).toEqual(Array.from({ length: 30 }, (_, i) => labelValue(i, 5)));
  });

  it('without a list, takes every .npz of the folder in name order', () => {
    expect(new SynapseSliceDataset(train).names.slice(0, 3)).toEqual([
      'case0005_slice012',
      'case0005_slice013',
      'case0007_slice000',
    ]);
  });

  it('names a missing folder, list file and list entry', async () => {
    expect(() => new SynapseSliceDataset(join(root, 'nope'))).toThrow(ConfigError);
    expect(() => new SynapseSliceDataset(join(root, 'nope'))).toThrow(/nope' does not exist/);
    expect(() => new SynapseSliceDataset(train, join(root, 'lists/none.txt'))).toThrow(
      /cannot read the list file/,
    );
    expect(() => new SynapseSliceDataset(train, join(root, 'lists/missing.txt'))).toThrow(
      /missing\.txt' line 2 lists 'case0099_slice000'/,
    );
    const data = new SynapseSliceDataset(train);
    await expect(data.get(data.length)).rejects.toThrow(RangeError);
  });

  it('names a missing key, mismatched shapes and labels outside the classes', async () => {
    const data = new SynapseSliceDataset(train, join(root, 'lists/bad.txt'));
    await expect(data.get(0)).rejects.toThrow(FileFormatError);
    await expect(data.get(0)).rejects.toThrow(/case0009_slice000\.npz: no 'label' array \(found: image\)/);
    await expect(data.get(1)).rejects.toThrow(/'image' \[6,5\] and 'label' \[5,5\] differ in shape/);
    await expect(data.get(2)).rejects.toThrow(InvalidValueError);
    await expect(data.get(2)).rejects.toThrow(/slice002\.npz: 'label' holds 10 at flat index 0/);
  });
});

describe('readSynapseVolume', () => {
  it('reads image and label [depth, height, width] from the .npy.h5 file', async () => {
    const volume = await readSynapseVolume(join(root, 'test_vol_h5/case0002.npy.h5'));
    expect([volume.id, volume.depth, volume.height, volume.width]).toEqual(['case0002', 3, 6, 5]);
    expect(Array.from(volume.image)).toEqual(Array.from({ length: 90 }, (_, i) => imageValue(i, 2)));
    expect(Array.from(volume.label)).toEqual(Array.from({ length: 90 }, (_, i) => labelValue(i, 2)));
  });

  it('names a missing file and a missing dataset', async () => {
    await expect(readSynapseVolume(join(root, 'test_vol_h5/none.npy.h5'))).rejects.toThrow(
      /none\.npy\.h5: cannot read/,
    );
    await expect(readSynapseVolume(join(root, 'test_vol_h5/nolabel.npy.h5'))).rejects.toThrow(
      /nolabel\.npy\.h5: no 'label' array/,
    );
  });

  it('a corrupt file is a FileFormatError', async () => {
    const path = join(root, 'corrupt.npy.h5');
    writeFileSync(path, new Uint8Array(64));
    await expect(readSynapseVolume(path)).rejects.toThrow(FileFormatError);
  });
});
