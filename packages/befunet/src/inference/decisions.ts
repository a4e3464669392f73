/**
 * Labels from class probabilities [..., K]: the most probable class (argmax) when K > 2; for a
 * binary task (K = 2, which includes single-logit models) foreground where its probability exceeds
 * a threshold. At the default 0.5 both rules agree (ties go to the background).
 */
import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

export interface DecisionOptions {
  /** Binary tasks: foreground where p(foreground) > threshold, in [0, 1]. Default 0.5. */
  threshold?: number;
}

/** The threshold with its default, checked (a ConfigError when outside [0, 1]). */
export function resolveThreshold(options: DecisionOptions = {}): number {
  const threshold = options.threshold ?? 0.5;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new ConfigError(`threshold must be in [0, 1], got ${threshold}`);
  }
  return threshold;
}

/** int32 labels [...] of probabilities [..., K]; the caller owns them. */
export function decideLabels<T extends tf.Tensor>(
  probabilities: tf.Tensor,
  options: DecisionOptions = {},
): T {
  const threshold = resolveThreshold(options);
  const k = probabilities.shape[probabilities.rank - 1] ?? 0;
  if (probabilities.rank < 1 || k < 2) {
    throw new ShapeError(
      `probabilities must be [..., K] with K >= 2 classes, got shape [${probabilities.shape}]`,
    );
  }
  return tf.tidy(() => {
    if (k > 2) return tf.argMax(probabilities, -1);
    const last = probabilities.rank - 1;
    const foreground = tf.squeeze(tf.split(probabilities, 2, last)[1]!, [last]);
    return tf.cast(tf.greater(foreground, threshold), 'int32');
  }) as T;
}
