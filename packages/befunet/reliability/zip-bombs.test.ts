import { describe, expect, it } from 'vitest';
import { refuseBombs, zipBombCases } from './zip-bombs.js';

describe('zip bombs', () => {
  const cases = zipBombCases();

  it('are small files (the largest under 3 MB) that declare gigabytes', () => {
    expect(cases.length).toBe(7);
    for (const c of cases) expect(c.bytes.length, c.name).toBeLessThan(3_000_000);
  });

  it('are each refused with a typed error naming the file, within 2 s and 64 MiB', () => {
    const stats = refuseBombs(cases, { slowMs: 2000, memoryBytes: 64 * 2 ** 20 });
    expect(stats.crashes).toEqual([]);
    expect(stats.accepted).toBe(0);
    expect(stats.clearErrors).toBe(cases.length);
    expect(stats.hangs).toEqual([]);
    expect(stats.overMemory).toEqual([]);
  });

  it('name the problem', () => {
    const messages = cases.map((c) => {
      try {
        c.read(c.bytes, c.source);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(messages).toEqual([
      expect.stringMatching(
        /^bomb\.npz: entry 'image\.npy' declares 1099511627776 bytes from 100 compressed, beyond DEFLATE's maximum ratio/,
      ),
      expect.stringMatching(
        /^bomb\.npz: DEFLATE entries declare 2147483648 bytes in all, more than the limit of 1073741824/,
      ),
      expect.stringMatching(/^bomb\.npz: DEFLATE entries declare 2147483648 bytes in all/),
      expect.stringMatching(/^bomb\.npz: entries '.*' and '.*' overlap/),
      expect.stringMatching(
        /^bomb\.npz \(zip entry 'image\.npy'\): DEFLATE stream: inflates to more than the declared 1048576 bytes/,
      ),
      expect.stringMatching(/^bomb\.pth: DEFLATE entries declare 2147483648 bytes in all/),
      expect.stringMatching(/^bomb\.pth: entry 'archive\/data\.pkl' declares 1099511627776 bytes/),
    ]);
  });
});
