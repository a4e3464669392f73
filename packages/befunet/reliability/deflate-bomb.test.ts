import { inflateRawSync } from 'node:zlib';
import { inflateRaw } from '@befunet/io';
import { describe, expect, it } from 'vitest';
import { deflateBomb } from './deflate-bomb.js';

describe('deflateBomb', () => {
  it.each([1, 2, 258, 259, 260, 1000, 100_000])(
    'is a valid stream that zlib inflates to %i zeros',
    (size) => {
      const out = inflateRawSync(deflateBomb(size));
      expect(out.length).toBe(size);
      expect(out.every((b) => b === 0)).toBe(true);
    },
  );

  it('reaches a ratio above 1000:1 (DEFLATE allows at most 1032:1)', () => {
    const size = 50_000_000;
    const stream = deflateBomb(size);
    expect(size / stream.length).toBeGreaterThan(1000);
    expect(inflateRaw(stream, size).length).toBe(size);
  });
});
