import { decodeJpeg } from '@befunet/io';
import { readHdf5 } from '@befunet/io/hdf5';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../src/data/readers/npz.js';
import { FUZZ_HDF5, FUZZ_HDF5_LATEST, FUZZ_JPEG, FUZZ_NPZ } from './fuzz-samples.js';

// The values the generating script wrote (see fuzz-samples.ts): image (i % 7) / 6, label i % 3.
const image = Array.from({ length: 40 }, (_, i) => Math.fround((i % 7) / 6));
const label = Array.from({ length: 40 }, (_, i) => i % 3);

describe('embedded fuzz samples are valid files', () => {
  it('the npz and both HDF5 files hold the generated arrays', async () => {
    for (const [arrays, labelKey] of [
      [readNpz(FUZZ_NPZ), 'label'],
      [await readHdf5(FUZZ_HDF5), 'label'],
      [await readHdf5(FUZZ_HDF5_LATEST), 'g/label'],
    ] as const) {
      expect(Array.from(arrays.get('image')!.data)).toEqual(image);
      expect([...arrays.get('image')!.shape]).toEqual([5, 8]);
      expect(Array.from(arrays.get(labelKey)!.data)).toEqual(label);
    }
  });

  it('the JPEG is a 16x16 RGB image close to its gradient (x * 9 + y * 5 + 60 c) % 256', () => {
    const jpeg = decodeJpeg(FUZZ_JPEG);
    expect([jpeg.width, jpeg.height, jpeg.channels]).toEqual([16, 16, 3]);
    // Away from the wrap-around of the red ramp, quality 80 with 4:2:0 stays within 24 levels.
    let worst = 0;
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 8; x++)
        worst = Math.max(worst, Math.abs(jpeg.data[(y * 16 + x) * 3]! - (x * 9 + y * 5)));
    expect(worst).toBeLessThanOrEqual(24);
  });
});
