import { ConfigError } from '@befunet/common';
import { expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { rot90Sample } from './rot90-flip.js';
import { randomRotation, rotateSample } from './rotate.js';
import { ScriptedRandom, sampleOf } from './scripted-random.test-util.js';

/** 5 x 6 test pattern: image ((7r + 3c) mod 11) / 10, labels (7r + 3c) mod 4. */
const pattern = (mod: number, scale: number) =>
  Array.from({ length: 30 }, (_, i) => ((7 * Math.floor(i / 6) + 3 * (i % 6)) % mod) / scale);
const source = sampleOf(pattern(11, 10), pattern(4, 1), 5, 6);

/**
 * scipy 1.17.1: `ndimage.rotate(img, angle, reshape=False, order=1, mode='grid-constant', cval=0)`
 * (image) and `order=0` (labels) of the pattern above.
 */
const SCIPY_30 = [
  0.0071883, 0.3419959, 0.8405531, 0.4779887, 0.1693661, 0.1214361, 0.2214188, 0.4830041, 0.4165064, 0.476314,
  0.497956, 0.4562178, 0.6254809, 0.794495, 0.6898317, 0.3101683, 0.205505, 0.3745191, 0.3787187, 0.502044,
  0.523686, 0.5834936, 0.5169959, 0.6625558, 0.2135004, 0.8306339, 0.5220113, 0.1594469, 0.1759533, 0.0107609,
];
const SCIPY_MINUS_15 = [
  0.2841353, 0.4795058, 0.479584, 0.6942888, 0.3773551, 0.0922855, 0.353314, 0.7687666, 0.464384, 0.4553773,
  0.5798523, 0.2884408, 0.717858, 0.460042, 0.8370318, 0.1629682, 0.539958, 0.282142, 0.7115592, 0.4201477,
  0.5446227, 0.535616, 0.2312334, 0.4730524, 0.3288153, 0.3025647, 0.24445, 0.520416, 0.5204942, 0.283412,
];
const SCIPY_LABELS_30 = [
  0, 2, 1, 3, 2, 0, 3, 2, 0, 0, 2, 1, 3, 2, 0, 3, 1, 0, 2, 1, 3, 3, 1, 0, 0, 1, 0, 2, 1, 0,
];

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...Array.from(actual, (a, i) => Math.abs(a - expected[i]!)));
  expect(worst).toBeLessThan(tolerance);
}

describe('rotateSample', () => {
  it('matches scipy.ndimage.rotate (bilinear image, nearest labels, 0 outside)', () => {
    const r30 = rotateSample(source, 30);
    expectNear(r30.image, SCIPY_30, 1e-6);
    expect([...r30.label]).toEqual(SCIPY_LABELS_30);
    expectNear(rotateSample(source, -15).image, SCIPY_MINUS_15, 1e-6);
    expect([r30.height, r30.width, r30.channels]).toEqual([5, 6, 1]);
  });

  it('by 0 degrees is the identity', () => {
    const same = rotateSample(source, 0);
    expect([...same.image]).toEqual([...source.image]);
    expect([...same.label]).toEqual([...source.label]);
  });

  it('by 90, 180 and -90 degrees of a square image equals rot90 (1, 2, 3)', () => {
    for (const n of [5, 6]) {
      const square = sampleOf(
        Array.from({ length: 2 * n * n }, (_, i) => Math.sin(i)),
        Array.from({ length: n * n }, (_, i) => i % 7),
        n,
        n,
        2,
      );
      for (const [degrees, k] of [
        [90, 1],
        [180, 2],
        [-90, 3],
      ] as const) {
        const turned = rotateSample(square, degrees);
        const exact = rot90Sample(square, k);
        expectNear(turned.image, exact.image, 1e-6);
        expect([...turned.label]).toEqual([...exact.label]);
      }
    }
  });

  it('turns a linear ramp so that its gradient turns counter-clockwise (row 0 at the top)', () => {
    // I = c (rising to the right). Turned by a counter-clockwise as displayed, the gradient (0, 1)
    // in (row, column) becomes (-sin a, cos a), about the centre (2, 2.5): I' = 2.5 - sin a (r - 2) + cos a (c - 2.5).
    const ramp = sampleOf(
      Array.from({ length: 30 }, (_, i) => i % 6),
      new Array(30).fill(0),
      5,
      6,
    );
    const a = (25 * Math.PI) / 180;
    const turned = rotateSample(ramp, 25);
    for (const [r, c] of [
      [1, 2],
      [2, 2],
      [2, 3],
      [3, 3],
    ]) {
      expect(turned.image[r! * 6 + c!]).toBeCloseTo(
        2.5 - Math.sin(a) * (r! - 2) + Math.cos(a) * (c! - 2.5),
        5,
      );
    }
  });

  it('keeps only label values of the input (and the background fill)', () => {
    const labels = sampleOf(
      new Array(64).fill(0.5),
      Array.from({ length: 64 }, (_, i) => [2, 5, 9][(i * 5) % 3]!),
      8,
      8,
    );
    for (const degrees of [7, 13.5, -19, 33]) {
      const values = new Set(rotateSample(labels, degrees).label);
      for (const v of values) expect([0, 2, 5, 9]).toContain(v);
    }
  });

  it('rejects an angle that is not finite', () => {
    expectError(
      () => rotateSample(source, Number.NaN),
      ConfigError,
      /rotate: the angle must be finite, got NaN/,
    );
  });
});

describe('randomRotation', () => {
  it('draws the angle uniformly in [-max, max]', () => {
    // u = 0.75 -> -20 + 40 * 0.75 = 10 degrees.
    const turned = randomRotation(20)(source, new ScriptedRandom([0.75]));
    expect([...turned.image]).toEqual([...rotateSample(source, 10).image]);
  });
  it('rejects a negative range', () => {
    expectError(
      () => randomRotation(-1),
      ConfigError,
      /randomRotation: maxDegrees must be a finite number >= 0, got -1/,
    );
  });
});
