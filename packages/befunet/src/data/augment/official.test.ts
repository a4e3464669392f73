import { SeededRandom } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { mixSeed } from '../batches.js';
import { officialAugmentations, officialGeometry } from './official.js';
import { rotateSample } from './rotate.js';
import { ScriptedRandom, sampleOf } from './scripted-random.test-util.js';

// rows [1 2 3] [4 5 6], labels the same.
const source = sampleOf([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], 2, 3);

describe('officialGeometry', () => {
  it('u1 < 0.5: rot90 + flip (k = 2, axis 0: rows reversed after a half turn = columns reversed)', () => {
    const rng = new ScriptedRandom([0.3, 0.6, 0.2]);
    const out = officialGeometry()(source, rng);
    expect(rng.left).toBe(0);
    expect([...out.label]).toEqual([3, 2, 1, 6, 5, 4]);
    expect([...out.image]).toEqual([3, 2, 1, 6, 5, 4]);
  });
  it('u1 >= 0.5 and u2 < 0.5: a rotation by -20 + 40 u3 degrees', () => {
    const rng = new ScriptedRandom([0.7, 0.2, 0.75]);
    const out = officialGeometry()(source, rng);
    expect(rng.left).toBe(0);
    expect([...out.image]).toEqual([...rotateSample(source, 10).image]);
  });
  it('u1 >= 0.5 and u2 >= 0.5: nothing', () => {
    const rng = new ScriptedRandom([0.7, 0.6]);
    expect(officialGeometry()(source, rng)).toBe(source);
    expect(rng.left).toBe(0);
  });
  it('takes each branch about as often as the official code (1/2, 1/4, 1/4)', () => {
    const square = sampleOf(
      new Array(16).fill(0),
      Array.from({ length: 16 }, (_, i) => i),
      4,
      4,
    );
    const counts = { same: 0, moved: 0 };
    for (let i = 0; i < 4000; i++) {
      const out = officialGeometry()(square, new SeededRandom(mixSeed(3, i)));
      if (out === square) counts.same++;
      else counts.moved++;
    }
    // Nothing happens with probability 1/4 (binomial sd of the count: sqrt(4000 * 3/16) = 27).
    expect(Math.abs(counts.same - 1000)).toBeLessThan(150);
  });
});

describe('officialAugmentations', () => {
  it('ends at the requested size, whatever the branch, with only input labels', () => {
    const [geometry, resize] = officialAugmentations(8);
    expect(geometry).toBeTypeOf('function');
    for (let seed = 0; seed < 40; seed++) {
      const rng = new SeededRandom(seed);
      const out = officialAugmentations({ height: 8, width: 6 }).reduce(
        (s, augment) => augment(s, rng),
        source,
      );
      expect([out.height, out.width, out.channels]).toEqual([8, 6, 1]);
      for (const v of out.label) expect([0, 1, 2, 3, 4, 5, 6]).toContain(v);
    }
    expect(resize!(source, new SeededRandom(0)).height).toBe(8);
  });
});
