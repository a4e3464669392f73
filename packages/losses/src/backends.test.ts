/**
 * The losses give the same values on the current backend as on `cpu` (the reference), on inputs
 * built from plain arrays.
 */
import { closeness, runOnBackend } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { seededRandom, uniform } from '../test/finite-differences.js';
import { diceCeLoss, OFFICIAL_DICE_CE } from './dice-ce-loss.js';
import { edgeTargets } from './edge-targets.js';
import { totalLoss } from './total-loss.js';

async function compute(): Promise<number[]> {
  const rand = seededRandom(31);
  const labelValues = Array.from(
    { length: 2 * 8 * 8 },
    (_, i) => (Math.floor(i / 8) % 8 > 3 ? 1 : 0) + (i % 8 > 5 ? 1 : 0),
  );
  const out = tf.tidy(() => {
    const labels = tf.tensor(labelValues, [2, 8, 8], 'int32');
    const logits = tf.tensor(uniform(rand, 2 * 8 * 8 * 3, -3, 3), [2, 8, 8, 3]);
    const edges = [
      tf.tensor(uniform(rand, 2 * 64, -3, 3), [2, 8, 8, 1]),
      tf.tensor(uniform(rand, 2 * 16, -3, 3), [2, 4, 4, 1]),
    ];
    return tf.concat([
      tf.reshape(diceCeLoss(labels, logits, OFFICIAL_DICE_CE), [1]),
      tf.reshape(totalLoss({ labels, logits, edgeMaps: edges }, { gamma: 0.7 }), [1]),
      tf.reshape(edgeTargets(labels, { numClasses: 3, perClass: true, size: [5, 6] }), [-1]),
    ]);
  });
  const values = Array.from(await out.data());
  out.dispose();
  return values;
}

describe('backend agreement', () => {
  it('the current backend matches cpu on Dice+CE, the total loss and edge targets', async () => {
    const here = await compute();
    const cpu = await runOnBackend('cpu', compute);
    const c = closeness(here, cpu, { atol: 1e-5, rtol: 1e-5 });
    expect(c.mismatches, `worst at ${c.worstIndex}: ${c.worstActual} vs ${c.worstExpected}`).toBe(0);
  });
});
