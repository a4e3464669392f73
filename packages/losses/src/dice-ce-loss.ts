/**
 * Multi-class `lambdaCe * CE + lambdaDice * Dice` (MONAI's `DiceCELoss`), and the official BEFUnet
 * training loss `0.4 CE + 0.6 Dice` as a preset.
 */
import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss } from './cross-entropy-loss.js';
import { type DiceLossOptions, diceLoss } from './dice-loss.js';
import type { LossFn } from './loss-fn.js';

export interface DiceCeLossOptions extends Omit<DiceLossOptions, 'sigmoid' | 'reduction'> {
  /** Weight of the cross-entropy term. Defaults to 1. */
  lambdaCe?: number;
  /** Weight of the Dice term. Defaults to 1. */
  lambdaDice?: number;
}

/**
 * The official BEFUnet (TransUNet `DiceLoss(n)`) configuration: `0.4 CE + 0.6 Dice`, Dice on
 * softmax probabilities with background, squared denominators, smoothing 1e-5 on both sides, one
 * Dice per class over the whole batch, mean over classes.
 */
export const OFFICIAL_DICE_CE: Readonly<Required<DiceCeLossOptions>> = Object.freeze({
  lambdaCe: 0.4,
  lambdaDice: 0.6,
  softmax: true,
  includeBackground: true,
  squaredPred: true,
  jaccard: false,
  smoothNr: 1e-5,
  smoothDr: 1e-5,
  batch: true,
});

function weights(options: DiceCeLossOptions, what: string): [number, number] {
  const lambdaCe = options.lambdaCe ?? 1;
  const lambdaDice = options.lambdaDice ?? 1;
  if (!(lambdaCe >= 0) || !(lambdaDice >= 0)) {
    throw new ConfigError(`${what}: lambdaCe and lambdaDice must be >= 0, got ${lambdaCe}, ${lambdaDice}`);
  }
  return [lambdaCe, lambdaDice];
}

/**
 * `lambdaCe * crossEntropy + lambdaDice * meanDice` (both scalars) on logits `yPred`
 * `[B, ...spatial, C]`. `softmax` defaults to true here (the Dice term needs probabilities).
 */
export function diceCeLoss(yTrue: tf.Tensor, yPred: tf.Tensor, options: DiceCeLossOptions = {}): tf.Tensor {
  const [lambdaCe, lambdaDice] = weights(options, 'diceCeLoss');
  const { lambdaCe: _c, lambdaDice: _d, ...dice } = options;
  return tf.tidy(() =>
    tf.add(
      tf.mul(lambdaCe, crossEntropyLoss(yTrue, yPred)),
      tf.mul(lambdaDice, diceLoss(yTrue, yPred, { softmax: true, ...dice, reduction: 'mean' })),
    ),
  );
}

/** {@link diceCeLoss} with fixed options, as a TF.js `(yTrue, yPred) => Tensor` loss. */
export function diceCeLossFn(options: DiceCeLossOptions = {}): LossFn {
  weights(options, 'diceCeLossFn');
  return (yTrue, yPred) => diceCeLoss(yTrue, yPred, options);
}

/** The official training loss `0.4 CE + 0.6 Dice` ({@link OFFICIAL_DICE_CE}) as a TF.js loss. */
export function officialDiceCeLossFn(): LossFn {
  return diceCeLossFn(OFFICIAL_DICE_CE);
}
