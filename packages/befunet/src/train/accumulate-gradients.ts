/**
 * Gradient accumulation: the gradients of k micro-batches, summed in order and divided by k, so that
 * one optimizer step sees the mean gradient. When the loss is a mean over images (per-image Dice,
 * per-image edge balance), k micro-batches of b images give the gradient of one batch of k * b
 * images up to float rounding; a loss pooled over the batch (batch Dice) does not decompose.
 */
import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

export interface AccumulatedGradients {
  /** Mean loss over the micro-batches. */
  loss: tf.Scalar;
  /**
   * Mean gradient of each variable, in the order of `variables`; `undefined` for a variable the loss
   * does not reach (PyTorch's `grad is None`: the optimizer leaves it alone, weight decay included).
   */
  gradients: (tf.Tensor | undefined)[];
}

/**
 * Runs `lossOf(i)` for i = 0..microBatches-1 (each a scalar of one micro-batch, recorded for
 * gradients) and returns the mean loss and mean gradients; the caller owns them.
 */
export function accumulateGradients(
  variables: readonly tf.Variable[],
  microBatches: number,
  lossOf: (index: number) => tf.Scalar,
): AccumulatedGradients {
  if (!(Number.isInteger(microBatches) && microBatches >= 1)) {
    throw new ConfigError(`accumulation must be an integer >= 1, got ${microBatches}`);
  }
  let lossSum: tf.Scalar | undefined;
  const sums: (tf.Tensor | undefined)[] = variables.map(() => undefined);
  for (let i = 0; i < microBatches; i++) {
    const { value, grads } = tf.variableGrads(() => lossOf(i), [...variables]);
    lossSum = add(lossSum, value) as tf.Scalar;
    variables.forEach((v, j) => {
      const g = grads[v.name];
      if (g) sums[j] = add(sums[j], g);
    });
  }
  if (microBatches === 1) return { loss: lossSum!, gradients: sums };
  const result = tf.tidy(() => ({
    loss: tf.div(lossSum!, microBatches) as tf.Scalar,
    gradients: sums.map((s) => (s ? tf.div(s, microBatches) : undefined)),
  }));
  tf.dispose([lossSum!, ...sums.filter((s) => s !== undefined)]);
  return result;
}

/** `sum + x`, disposing both inputs; `x` itself when there is no sum yet. */
function add(sum: tf.Tensor | undefined, x: tf.Tensor): tf.Tensor {
  if (!sum) return x;
  const out = tf.add(sum, x);
  tf.dispose([sum, x]);
  return out;
}
