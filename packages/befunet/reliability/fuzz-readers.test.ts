import { readFileSync } from 'node:fs';
import { fixturePath } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { defaultFuzzTargets, formatFuzzTable, fuzzReaders } from './fuzz-readers.js';

describe('fuzzReaders (short, seeded)', () => {
  it('ends every malformed file in the reader result or a typed error, quickly, for every reader', async () => {
    // A real .pth written by torch.save (the official fixture), cut to a small prefix would be invalid;
    // the whole file is 8.5 MB, so it gets fewer cases.
    const targets = defaultFuzzTargets();
    const stats = await fuzzReaders(targets, { seed: 7, casesPerKind: 40, slowMs: 2000 });
    const pth = await fuzzReaders(
      defaultFuzzTargets(new Uint8Array(readFileSync(fixturePath('official/official_mini.pth')))).slice(-1),
      {
        seed: 7,
        casesPerKind: 3,
        slowMs: 5000,
      },
    );
    const all = [...stats, ...pth];
    expect(all.map((s) => s.reader)).toEqual([
      'safetensors',
      'png',
      'nifti',
      'nifti.gz',
      'npy',
      'npz',
      'jpeg',
      'hdf5',
      'hdf5 (latest)',
      'pth',
      'tfjs model.json',
      'tfjs weights.bin',
      'pth (given file)',
    ]);
    for (const s of all) {
      expect(s.crashes, `${s.reader} crashes`).toEqual([]);
      expect(s.hangs, `${s.reader} hangs`).toEqual([]);
      expect(s.clearErrors, `${s.reader} rejected nothing`).toBeGreaterThan(0);
      expect(s.accepted + s.clearErrors).toBe(s.cases);
    }
    expect(formatFuzzTable(all).split('\n')[0]).toMatch(
      /^reader\s+cases\s+accepted\s+clear errors\s+crashes\s+hangs$/,
    );
  });
});
