import { ShapeError } from '@befunet/common';
import { LabelValueError } from '@befunet/losses';
import { describe, expect, it } from 'vitest';
import { checkDataset } from './check-dataset.js';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';

/** Three 2x3 grey samples of 2 classes; `broken` replaces sample 2. */
function dataset(broken?: Partial<SegmentationSample>): SegmentationDataset & { reads: number[] } {
  const reads: number[] = [];
  return {
    name: 'tiny',
    length: 3,
    numClasses: 2,
    channels: 1,
    reads,
    async get(index: number) {
      reads.push(index);
      const sample = {
        image: new Float32Array(6).fill(0.5),
        label: Int32Array.from([0, 1, 1, 0, 0, 1]),
        height: 2,
        width: 3,
        channels: 1,
        id: `s${index}`,
      };
      return index === 2 ? { ...sample, ...broken } : sample;
    },
  };
}

describe('checkDataset', () => {
  it('reads every sample once and accepts a good data set', async () => {
    const data = dataset();
    await checkDataset(data, { progress: false });
    expect(data.reads).toEqual([0, 1, 2]);
  });

  it.each([
    [{ label: new Int32Array(4) }, /sample s2: mask holds 4 labels, not 2x3 \(the image's size\)/],
    [{ image: new Float32Array(18), channels: 3 }, /sample s2: 3 channels, the data set has 1/],
    [{ image: new Float32Array(5) }, /sample s2: image holds 5 values, not 2x3x1/],
    [{ image: new Float32Array(6).fill(Number.NaN) }, /sample s2: the image holds NaN/],
  ])('names the sample and the problem (%#)', async (broken, message) => {
    const check = checkDataset(dataset(broken), { progress: false });
    await expect(check).rejects.toThrow(ShapeError);
    await expect(checkDataset(dataset(broken), { progress: false })).rejects.toThrow(message);
  });

  it('refuses a label outside 0..numClasses-1 with a LabelValueError naming the sample', async () => {
    const broken = dataset({ label: Int32Array.from([0, 1, 2, 0, 0, 1]) });
    await expect(checkDataset(broken, { progress: false })).rejects.toThrow(LabelValueError);
    await expect(checkDataset(broken, { progress: false })).rejects.toThrow(
      /data set 'tiny', sample s2: mask: class labels must be integers in \[0, 2\), got 2 at flat index 2/,
    );
  });

  it('shows progress', async () => {
    let written = '';
    await checkDataset(dataset(), { progress: { write: (s: string) => (written += s) } });
    expect(written).toMatch(/^checking tiny \[#{20}\] 3\/3 \| .*samples\/s/m);
  });
});
