import { ConfigError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { crossEntropyLoss } from './cross-entropy-loss.js';
import { diceCeLoss, diceCeLossFn, OFFICIAL_DICE_CE, officialDiceCeLossFn } from './dice-ce-loss.js';
import { diceLoss } from './dice-loss.js';

describe('diceCeLoss', () => {
  const rand = seededRandom(11);
  const logits = uniform(rand, 2 * 2 * 3 * 3, -2, 2);
  const labels = Array.from({ length: 12 }, () => Math.floor(rand() * 3));

  it('is lambdaCe * CE + lambdaDice * Dice', async () => {
    const yPred = tf.tensor(logits, [2, 2, 3, 3]);
    const yTrue = tf.tensor(labels, [2, 2, 3], 'int32');
    const [ce] = await crossEntropyLoss(yTrue, yPred).data();
    const [dice] = await diceLoss(yTrue, yPred, { softmax: true, includeBackground: false }).data();
    await expectClose(
      diceCeLoss(yTrue, yPred, { lambdaCe: 0.3, lambdaDice: 2, includeBackground: false }),
      [0.3 * ce! + 2 * dice!],
      { atol: 1e-6, rtol: 1e-5 },
      'weighted sum',
    );
    tf.dispose([yPred, yTrue]);
  });

  it('the official preset is 0.4 CE + 0.6 squared batch Dice with background', async () => {
    expect(OFFICIAL_DICE_CE).toMatchObject({
      lambdaCe: 0.4,
      lambdaDice: 0.6,
      squaredPred: true,
      batch: true,
    });
    const yPred = tf.tensor(logits, [2, 2, 3, 3]);
    const yTrue = tf.tensor(labels, [2, 2, 3], 'int32');
    const [ce] = await crossEntropyLoss(yTrue, yPred).data();
    const [dice] = await diceLoss(yTrue, yPred, { softmax: true, squaredPred: true, batch: true }).data();
    await expectClose(officialDiceCeLossFn()(yTrue, yPred), [0.4 * ce! + 0.6 * dice!], {
      atol: 1e-6,
      rtol: 1e-5,
    });
    tf.dispose([yPred, yTrue]);
  });

  it('gradient of the official loss w.r.t. logits matches finite differences', async () => {
    const yTrue = tf.tensor([0, 2, 1, 2], [1, 2, 2], 'int32');
    await expectGradientMatchesFiniteDifferences(
      (z) => diceCeLoss(yTrue, z, OFFICIAL_DICE_CE),
      uniform(rand, 12, -2, 2),
      [1, 2, 2, 3],
      'official Dice+CE',
    );
    yTrue.dispose();
  });

  it('does not leak tensors', async () => {
    const yPred = tf.tensor(logits, [2, 2, 3, 3]);
    const yTrue = tf.tensor(labels, [2, 2, 3], 'int32');
    await expectNoLeak(() => diceCeLoss(yTrue, yPred, OFFICIAL_DICE_CE));
    tf.dispose([yPred, yTrue]);
  });

  it('rejects negative weights', () => {
    expect(() => diceCeLossFn({ lambdaCe: -1 })).toThrow(ConfigError);
  });
});
