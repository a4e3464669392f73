import { ConfigError } from '@befunet/common';
import { describe, expect, it } from 'vitest';
import { syntheticSample } from './synthetic.js';
import { SyntheticDataset } from './synthetic-dataset.js';

describe('SyntheticDataset', () => {
  it('takes (length, seed, options) or one options object, with the same samples', async () => {
    const positional = new SyntheticDataset(3, 5, { size: 16, numClasses: 3 });
    const object = new SyntheticDataset({ length: 3, seed: 5, size: 16, numClasses: 3 });
    expect([object.length, object.numClasses, object.channels]).toEqual([3, 3, 1]);
    const [a, b] = [await positional.get(2), await object.get(2)];
    expect(b).toEqual(a);
    // The sample is the generator's (seed 5, index 2), at the requested size.
    expect(a.image).toEqual(syntheticSample(5, 2, { size: 16, numClasses: 3 }).image);
    expect([a.height, a.width]).toEqual([16, 16]);
  });

  it('defaults: seed 0, 224 px, 4 classes', async () => {
    const data = new SyntheticDataset(1);
    const sample = await data.get(0);
    expect([data.numClasses, sample.height]).toEqual([4, 224]);
    expect(sample.label).toEqual(syntheticSample(0, 0).label);
  });

  it.each([
    [() => new SyntheticDataset({ size: 64 } as never), /length must be an integer >= 1, got undefined/],
    [() => new SyntheticDataset(0), /length must be an integer >= 1, got 0/],
    [() => new SyntheticDataset(4, -1), /seed must be an integer >= 0, got -1/],
    [
      () => new SyntheticDataset(4, 0, { sise: 64 } as never),
      /unknown synthetic option\(s\) sise; known: size/,
    ],
    [() => new SyntheticDataset(4, 0, { size: 4 }), /size must be an integer >= 8, got 4/],
    [() => new SyntheticDataset(4, 0, { noise: -1 }), /noise must be a number >= 0, got -1/],
    [() => new SyntheticDataset({ length: 4 }, 1), /give \(options\) or \(length, seed, options\)/],
  ])('refuses bad arguments at once (%#)', (make, message) => {
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });
});
