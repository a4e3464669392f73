/**
 * The training-batch Dice shown during training: per class, the hard (argmax) prediction's
 * overlap with the labels is counted on the device, read back as 3 x K numbers, and summed over
 * the batches of an epoch; the Dice `2 TP / (|P| + |G|)` of the sums, averaged over the foreground
 * classes that occur (in the prediction or the labels), is the running Dice.
 */
import { diceFromCounts, nanMean } from '@befunet/losses';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-class counts `[3, K]` (true positives, predicted pixels, labelled pixels) of the argmax of
 * logits `[B, H, W, K]` against class indices `[B, H, W]`. The caller owns the result.
 */
export function classCounts(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor2D {
  const k = logits.shape[logits.shape.length - 1]!;
  return tf.tidy(() => {
    const pred = tf.reshape(tf.oneHot(tf.argMax(logits, -1), k), [-1, k]);
    const truth = tf.reshape(tf.oneHot(tf.cast(labels, 'int32'), k), [-1, k]);
    return tf.stack([tf.sum(tf.mul(pred, truth), 0), tf.sum(pred, 0), tf.sum(truth, 0)]) as tf.Tensor2D;
  });
}

export class RunningDice {
  private readonly sums: Float64Array;

  constructor(private readonly numClasses: number) {
    this.sums = new Float64Array(3 * numClasses);
  }

  /** Adds the values of a `[3, K]` {@link classCounts} tensor (read with `data()`). */
  add(counts: ArrayLike<number>): void {
    for (let i = 0; i < this.sums.length; i++) this.sums[i]! += counts[i]!;
  }

  /** Mean foreground Dice of the counts so far; NaN before any foreground was seen. */
  value(): number {
    const k = this.numClasses;
    const dice: number[] = [];
    for (let c = 1; c < k; c++) {
      const tp = this.sums[c]!;
      const predicted = this.sums[k + c]!;
      const labelled = this.sums[2 * k + c]!;
      dice.push(diceFromCounts({ tp, fp: predicted - tp, fn: labelled - tp, tn: 0 }));
    }
    return nanMean(dice);
  }

  reset(): void {
    this.sums.fill(0);
  }
}
