import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { classCounts, RunningDice } from './running-dice.js';

/** `classCounts` of a prediction and labels, both `[H, W]` class maps, for K = 4 classes. */
async function countsOf(pred: number[][], truth: number[][]): Promise<number[]> {
  // Logits whose argmax is `pred`: 1 on the class, 0 elsewhere.
  const logits = tf.tidy(() => tf.expandDims(tf.oneHot(tf.tensor2d(pred, undefined, 'int32'), 4), 0));
  const labels = tf.tensor3d([truth], undefined, 'int32');
  const counts = classCounts(logits, labels);
  const values = Array.from(await counts.data());
  tf.dispose([logits, labels, counts]);
  return values;
}

describe('running training Dice', () => {
  it('counts per class and averages the Dice of the sums over foreground classes that occur', async () => {
    // Hand count (class 3 never occurs): class 0 TP 2, |P| 2, |G| 3; class 1 TP 1, |P| 2, |G| 1;
    // class 2 TP 1, |P| 2, |G| 2.
    const first = await countsOf(
      [
        [0, 1, 1],
        [2, 2, 0],
      ],
      [
        [0, 1, 2],
        [2, 0, 0],
      ],
    );
    expect(first).toEqual([2, 1, 1, 0, 2, 2, 2, 0, 3, 1, 2, 0]);
    const dice = new RunningDice(4);
    dice.add(first);
    expect(dice.value()).toBeCloseTo((2 / 3 + 2 / 4) / 2, 12);
    // A second batch, class 2 right on its one pixel: class 2 sums to TP 2, |P| 3, |G| 3.
    const exact = [
      [2, 0, 0],
      [0, 0, 0],
    ];
    dice.add(await countsOf(exact, exact));
    expect(dice.value()).toBeCloseTo((2 / 3 + 4 / 6) / 2, 12);
    dice.reset();
    expect(dice.value()).toBeNaN();
  });
});
