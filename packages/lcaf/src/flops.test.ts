import { describe, expect, it } from 'vitest';
import { flopsGlobalCrossAttention, flopsLocalCrossAttention } from './flops.js';

describe('cost formulas (eq. 10 and 11)', () => {
  it('gives the hand-computed counts at 28x28, C = 96, 7x7 windows', () => {
    // 4 * 784 * 96^2 = 28 901 376; 2 * 784^2 * 96 = 118 013 952; 2 * 49 * 784 * 96 = 7 375 872.
    expect(flopsGlobalCrossAttention(28, 28, 96)).toBe(28_901_376 + 118_013_952);
    expect(flopsLocalCrossAttention(28, 28, 96, 7, 7)).toBe(28_901_376 + 7_375_872);
  });

  it('is linear for windows and quadratic for global attention in the number of tokens', () => {
    const local = [28, 56].map((s) => flopsLocalCrossAttention(s, s, 96, 7, 7));
    const global = [28, 56].map((s) => flopsGlobalCrossAttention(s, s, 96));
    expect(local[1]! / local[0]!).toBe(4);
    expect(global[1]! / global[0]!).toBeGreaterThan(12);
    // Equal when the window is the whole map.
    expect(flopsLocalCrossAttention(14, 14, 32, 14, 14)).toBe(flopsGlobalCrossAttention(14, 14, 32));
  });
});
