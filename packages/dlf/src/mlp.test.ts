import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, TOLERANCE } from '../../testing/src/index.ts';
import { geluRef, linearRef, perturbWeights, seededValues, toRows, weightsOf } from '../test/reference.js';
import { DlfMlp, gelu, mlpHidden } from './mlp.js';

describe('gelu', () => {
  it('is the exact erf form (not the tanh approximation)', async () => {
    // Values of 0.5 x (1 + erf(x / sqrt 2)) from the standard normal CDF.
    const x = [-3, -1, -0.5, 0, 0.5, 1, 2, 3];
    const expected = [
      -0.0040496, -0.15865525, -0.15426877, 0, 0.34573123, 0.84134475, 1.95449974, 2.99595031,
    ];
    await expectClose(gelu(tf.tensor1d(x)), expected, TOLERANCE.op, 'gelu');
    // The tanh approximation is ~1e-4 off at x = 2: far outside the tolerance above (3e-5 there).
    const tanhAt2 = 0.5 * 2 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (2 + 0.044715 * 8)));
    expect(Math.abs(tanhAt2 - 1.95449974)).toBeGreaterThan(5e-5);
  });
});

describe('DlfMlp', () => {
  it('computes fc2(gelu(fc1(x))) with hidden width round(C * ratio)', async () => {
    const mlp = new DlfMlp({ dim: 4, mlpRatio: 1.5, seed: 3 });
    const xs = seededValues(2 * 3 * 4, 5);
    const x = tf.tensor3d(xs, [2, 3, 4]);
    mlp.apply(x);
    perturbWeights(mlp);
    expect(mlpHidden(4, 1.5)).toBe(6);
    expect(mlp.countParams()).toBe(4 * 6 + 6 + 6 * 4 + 4);
    const w = await weightsOf(mlp);
    const h = linearRef(toRows(xs, 6, 4), w.get('fc1/kernel')!, w.get('fc1/bias')!, 6).map((r) =>
      r.map(geluRef),
    );
    const expected = linearRef(h, w.get('fc2/kernel')!, w.get('fc2/bias')!, 4).flat();
    await expectClose(mlp.apply(x) as tf.Tensor, expected, TOLERANCE.layer, 'mlp');
    await expectNoLeak(() => mlp.apply(x));
  });
});
