/**
 * How a loss collapses its per-element (or per-item) values, MONAI's `reduction`.
 */

import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

/** `'mean'`: average; `'sum'`: total; `'none'`: the unreduced tensor. */
export type Reduction = 'mean' | 'sum' | 'none';

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** Throws a ConfigError unless `reduction` is one of the supported values. */
export function checkReduction(reduction: unknown, what: string): Reduction {
  if (!REDUCTIONS.includes(reduction as Reduction)) {
    throw new ConfigError(
      `${what}: reduction must be one of ${REDUCTIONS.join(', ')}, got ${String(reduction)}`,
    );
  }
  return reduction as Reduction;
}

/** Applies `reduction` to `x` (no tidy of its own: call it inside one). */
export function reduce(x: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'mean') return tf.mean(x);
  if (reduction === 'sum') return tf.sum(x);
  return x;
}
