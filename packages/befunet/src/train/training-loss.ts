/**
 * The training objective of each graph:
 * - `paper`: BEFUNET.md section 7, `L = L_body + gamma L_edge`, with deep supervision: the edge loss
 *   (eq. 14) of every edge stage's map (the model's second output, `[B, S, S, 4]`, probabilities)
 *   against the morphological-gradient edges of the labels (`totalLoss` of @befunet/losses);
 * - `official`: the released code's `0.4 CE + 0.6 Dice` (its model outputs logits only).
 */

import { ConfigError } from '@befunet/common';
import {
  type BodyLossOptions,
  diceCeLoss,
  type EdgeLossOptions,
  OFFICIAL_DICE_CE,
  totalLoss,
} from '@befunet/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { BefunetGraph } from '../model/config.js';

export interface TrainingLossOptions {
  /** gamma, the weight of the edge loss (`paper`). Defaults to 1. */
  edgeWeight?: number;
  /** The body loss of the `paper` graph (lambda1 CE + lambda2 Dice). Defaults to 1 and 1. */
  body?: Pick<BodyLossOptions, 'lambda1' | 'lambda2' | 'includeBackground' | 'squaredPred' | 'smooth'>;
  /** The edge loss (`paper`): lambda, eta. Its reduction is the mean over pixels and maps. */
  edge?: Pick<EdgeLossOptions, 'lambda' | 'eta'>;
  /** Band of the edge targets on each side of a boundary, in pixels. Defaults to 1. */
  edgeThickness?: number;
  /**
   * Dice and edge balance per image, averaged over the batch, instead of pooled over the batch (the
   * official code pools). Per image, gradient accumulation equals a larger batch exactly.
   * Defaults to false.
   */
  perImage?: boolean;
}

/** The training loss (a scalar) of model outputs for class-index labels `[B, S, S]`. */
export function trainingLoss(
  graph: BefunetGraph,
  outputs: tf.Tensor | tf.Tensor[],
  labels: tf.Tensor,
  options: TrainingLossOptions = {},
): tf.Scalar {
  const [logits, edges] = Array.isArray(outputs) ? outputs : [outputs];
  const batch = !(options.perImage ?? false);
  if (graph === 'official') {
    return diceCeLoss(labels, logits!, { ...OFFICIAL_DICE_CE, batch }) as tf.Scalar;
  }
  if (!edges) {
    throw new ConfigError("trainingLoss: the 'paper' graph needs the model's edge maps (its second output)");
  }
  return tf.tidy(() => {
    const maps = tf.split(edges, edges.shape[edges.shape.length - 1]!, -1);
    return totalLoss(
      { labels, logits: logits!, edgeMaps: maps },
      {
        gamma: options.edgeWeight ?? 1,
        body: { ...options.body, batch },
        edge: { ...options.edge, sigmoid: false, reduction: 'mean', balance: batch ? 'batch' : 'image' },
        edgeTargets: { thickness: options.edgeThickness ?? 1 },
      },
    ) as tf.Scalar;
  });
}
