import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { deepSupervisionLoss, deepSupervisionWeights, resizeTarget } from './deep-supervision-loss.js';
import { diceCeLoss, OFFICIAL_DICE_CE, officialDiceCeLossFn } from './dice-ce-loss.js';

describe('deepSupervisionLoss', () => {
  const rand = seededRandom(41);
  // 4x4 labels; at 2x2, half-pixel nearest picks source rows/cols 1 and 3 (floor((i + 0.5) * 2) = 2i + 1).
  const labels = [0, 1, 2, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 0, 1];

  it('weight modes', () => {
    expect(deepSupervisionWeights(3, 'exp')).toEqual([1, 0.5, 0.25]);
    expect(deepSupervisionWeights(3, 'same')).toEqual([1, 1, 1]);
    expect(deepSupervisionWeights(3, 'two')).toEqual([1, 0.5, 0.5]);
    expect(() => deepSupervisionWeights(2, 'lin' as never)).toThrow(ConfigError);
  });

  it('resizeTarget: nearest neighbour with half-pixel centres, rank and dtype kept', async () => {
    const t = resizeTarget(tf.tensor(labels, [1, 4, 4], 'int32'), [2, 2]);
    expect(t.shape).toEqual([1, 2, 2]);
    expect(t.dtype).toBe('int32');
    const expected = [0, 1].flatMap((y) => [0, 1].map((x) => labels[(2 * y + 1) * 4 + 2 * x + 1]!));
    expect(Array.from(await t.data())).toEqual(expected);
  });

  it('is the weighted sum of the loss at each level against the resized target', async () => {
    const y = tf.tensor(labels, [1, 4, 4], 'int32');
    const p0 = tf.tensor(uniform(rand, 48, -2, 2), [1, 4, 4, 3]);
    const p1 = tf.tensor(uniform(rand, 12, -2, 2), [1, 2, 2, 3]);
    const small = tf.tensor(
      [0, 1].flatMap((r) => [0, 1].map((c) => labels[(2 * r + 1) * 4 + 2 * c + 1]!)),
      [1, 2, 2],
      'int32',
    );
    const [l0] = await diceCeLoss(y, p0, OFFICIAL_DICE_CE).data();
    const [l1] = await diceCeLoss(small, p1, OFFICIAL_DICE_CE).data();
    const got = deepSupervisionLoss(y, [p0, p1], { loss: officialDiceCeLossFn() });
    await expectClose(got, [l0! + 0.5 * l1!], { atol: 1e-6, rtol: 1e-5 });
    const custom = deepSupervisionLoss(y, [p0, p1], { loss: officialDiceCeLossFn(), weights: [0.2, 3] });
    await expectClose(custom, [0.2 * l0! + 3 * l1!], { atol: 1e-6, rtol: 1e-5 });
    await expectNoLeak(() => deepSupervisionLoss(y, [p0, p1], { loss: officialDiceCeLossFn() }));
    tf.dispose([y, p0, p1, small, got, custom]);
  });

  it('gradient w.r.t. the low-resolution logits matches finite differences', async () => {
    const y = tf.tensor(labels, [1, 4, 4], 'int32');
    const p0 = tf.tensor(uniform(rand, 48, -2, 2), [1, 4, 4, 3]);
    await expectGradientMatchesFiniteDifferences(
      (z) => deepSupervisionLoss(y, [p0, z], { loss: officialDiceCeLossFn() }),
      uniform(rand, 12, -2, 2),
      [1, 2, 2, 3],
      'level 1',
    );
    tf.dispose([y, p0]);
  });

  it('rejects bad input with typed errors', () => {
    const y = tf.zeros([1, 4, 4], 'int32');
    const p = tf.zeros([1, 4, 4, 3]);
    const loss = officialDiceCeLossFn();
    expect(() => deepSupervisionLoss(y, [], { loss })).toThrow(ConfigError);
    expect(() => deepSupervisionLoss(y, [p, p], { loss, weights: [1] })).toThrow(ShapeError);
    expect(() => deepSupervisionLoss(y, [tf.zeros([4, 4, 3])], { loss })).toThrow(ShapeError);
    expect(() => resizeTarget(tf.zeros([4, 4]), [2, 2])).toThrow(ShapeError);
    tf.dispose([y, p]);
  });
});
