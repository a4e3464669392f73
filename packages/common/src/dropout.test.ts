import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { dropout } from './dropout.js';

describe('dropout', () => {
  it('is the identity at rate 0', () => {
    const x = tf.ones([3, 4]);
    expect(dropout(x, 0)).toBe(x);
    x.dispose();
  });

  it('zeroes each element with probability rate and scales the kept ones by 1 / (1 - rate)', async () => {
    const values = await dropout(tf.fill([100, 100], 2), 0.3).data();
    const zeros = values.filter((v) => v === 0).length;
    // Binomial(10000, 0.3): sd 46; six sd either side cannot fail by chance in practice.
    expect(Math.abs(zeros - 3000)).toBeLessThan(280);
    for (const v of values) if (v !== 0) expect(v).toBeCloseTo(2 / 0.7, 5);
  });

  it('draws its mask from Math.random (one draw per element, in order)', async () => {
    const draws = [0.1, 0.9, 0.5, 0.2];
    const spy = vi.spyOn(Math, 'random').mockImplementation(() => draws.shift()!);
    // keep = 0.6: floor(u + 0.6) is 1 when u >= 0.4.
    expect(Array.from(await dropout(tf.ones([4]), 0.4).data())).toEqual(
      [0, 1 / 0.6, 1 / 0.6, 0].map(Math.fround),
    );
    spy.mockRestore();
  });
});
