import { ConfigError } from '@befunet/common';
import { expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { flipSample, randomRot90Flip, rot90Sample } from './rot90-flip.js';
import { ScriptedRandom, sampleOf } from './scripted-random.test-util.js';

// A 2 x 3 image with 2 channels (pixel (r, c) holds [10r + c, 100 + 10r + c]) and its labels.
//   rows: [0 1 2]        labels: [1 2 3]
//         [10 11 12]             [4 5 6]
const pix = (v: number) => [v, 100 + v];
const source = sampleOf([0, 1, 2, 10, 11, 12].flatMap(pix), [1, 2, 3, 4, 5, 6], 2, 3, 2);

/** What `grid` of a sample with these pixel values (channel 0), labels and size gives. */
function expected(values: number[], labels: number[], height: number, width: number) {
  return { image: values.flatMap(pix), label: labels, height, width };
}

function grid(s: { image: Float32Array; label: Int32Array; height: number; width: number }) {
  return { image: [...s.image], label: [...s.label], height: s.height, width: s.width };
}

describe('rot90Sample (np.rot90 convention, counter-clockwise)', () => {
  it('k = 1 gives the hand-turned 3 x 2 array: [[2 12] [1 11] [0 10]]', () => {
    expect(grid(rot90Sample(source, 1))).toEqual(expected([2, 12, 1, 11, 0, 10], [3, 6, 2, 5, 1, 4], 3, 2));
  });
  it('k = 2 reverses rows and columns; k = 3 (and -1) turns clockwise', () => {
    expect(grid(rot90Sample(source, 2))).toEqual(expected([12, 11, 10, 2, 1, 0], [6, 5, 4, 3, 2, 1], 2, 3));
    const clockwise = expected([10, 0, 11, 1, 12, 2], [4, 1, 5, 2, 6, 3], 3, 2);
    expect(grid(rot90Sample(source, 3))).toEqual(clockwise);
    expect(grid(rot90Sample(source, -1))).toEqual(clockwise);
  });
  it('k = 0 and k = 4 keep the sample; the input is never changed', () => {
    expect(grid(rot90Sample(source, 4))).toEqual(grid(source));
    expect(rot90Sample(source, 0)).toBe(source);
    rot90Sample(source, 1);
    expect([...source.label]).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('rejects a non-integer k', () => {
    expectError(() => rot90Sample(source, 1.5), ConfigError, /rot90: k must be an integer, got 1.5/);
  });
});

describe('flipSample (np.flip convention)', () => {
  it('axis 0 reverses the rows, axis 1 the columns', () => {
    expect(grid(flipSample(source, 0))).toEqual(expected([10, 11, 12, 0, 1, 2], [4, 5, 6, 1, 2, 3], 2, 3));
    expect(grid(flipSample(source, 1))).toEqual(expected([2, 1, 0, 12, 11, 10], [3, 2, 1, 6, 5, 4], 2, 3));
  });
  it('rejects another axis', () => {
    expectError(
      () => flipSample(source, 2 as 0),
      ConfigError,
      /flip: axis must be 0 \(rows\) or 1 \(columns\), got 2/,
    );
  });
});

describe('randomRot90Flip', () => {
  it('draws k = floor(4u) then the axis (u < 0.5: rows)', () => {
    // u = 0.3 -> k = 1, then u = 0.9 -> axis 1: the k = 1 array [[2 12] [1 11] [0 10]], columns reversed.
    const rng = new ScriptedRandom([0.3, 0.9]);
    expect(grid(randomRot90Flip(source, rng))).toEqual(
      expected([12, 2, 11, 1, 10, 0], [6, 3, 5, 2, 4, 1], 3, 2),
    );
    expect(rng.left).toBe(0);
  });
});
