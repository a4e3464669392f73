/**
 * The body (segmentation) loss of BEFUNET.md section 7: `L_body = lambda1 L_BCE + lambda2 L_Dice`;
 * with several classes, softmax cross-entropy replaces the BCE.
 */
import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { bceLoss } from './bce-loss.js';
import { diceCeLoss } from './dice-ce-loss.js';
import { diceLoss } from './dice-loss.js';
import type { LossFn } from './loss-fn.js';
import { assertSameShape } from './targets.js';

export interface BodyLossOptions {
  /** Weight of the (binary or multi-class) cross-entropy. Defaults to 1. */
  lambda1?: number;
  /** Weight of the Dice loss. Defaults to 1. */
  lambda2?: number;
  /** Keep class 0 in the multi-class Dice. Defaults to true. */
  includeBackground?: boolean;
  /** Squared Dice denominators. Defaults to false (the paper's `sum (p + g)`). */
  squaredPred?: boolean;
  /** Dice smoothing, numerator and denominator. Defaults to 1e-5. */
  smooth?: number;
  /** One Dice over the whole batch (default true, as the official code) or one per image. */
  batch?: boolean;
}

function lambdas(options: BodyLossOptions, what: string): [number, number] {
  const l1 = options.lambda1 ?? 1;
  const l2 = options.lambda2 ?? 1;
  if (!(l1 >= 0) || !(l2 >= 0))
    throw new ConfigError(`${what}: lambda1 and lambda2 must be >= 0, got ${l1}, ${l2}`);
  return [l1, l2];
}

/**
 * `lambda1 BCE + lambda2 Dice` on logits `yPred`. One channel (`[B, ...spatial, 1]`): BCE from
 * logits (mean over pixels) and Dice on the sigmoid, `yTrue` a binary map of the same shape (or
 * without the channel axis).
 * Several channels: softmax cross-entropy and mean per-class Dice on the softmax, `yTrue` class
 * indices or one-hot.
 */
export function bodyLoss(yTrue: tf.Tensor, yPred: tf.Tensor, options: BodyLossOptions = {}): tf.Tensor {
  const [lambda1, lambda2] = lambdas(options, 'bodyLoss');
  const dice = {
    includeBackground: options.includeBackground ?? true,
    squaredPred: options.squaredPred ?? false,
    smoothNr: options.smooth ?? 1e-5,
    smoothDr: options.smooth ?? 1e-5,
    batch: options.batch ?? true,
  };
  const channels = yPred.shape[yPred.shape.length - 1];
  if (channels === 1) {
    // A mask without the channel axis ([B, ...spatial]) is accepted for [B, ...spatial, 1] logits.
    const spatialOnly =
      yTrue.shape.length === yPred.shape.length - 1 && yTrue.shape.every((d, i) => d === yPred.shape[i]);
    if (!spatialOnly) assertSameShape(yTrue, yPred, 'bodyLoss');
    return tf.tidy(() => {
      const target = spatialOnly ? tf.expandDims(yTrue, -1) : yTrue;
      return tf.add(
        tf.mul(lambda1, bceLoss(target, yPred)),
        tf.mul(lambda2, diceLoss(target, yPred, { ...dice, sigmoid: true })),
      );
    });
  }
  return diceCeLoss(yTrue, yPred, { ...dice, softmax: true, lambdaCe: lambda1, lambdaDice: lambda2 });
}

/** {@link bodyLoss} with fixed options, as a TF.js `(yTrue, yPred) => Tensor` loss. */
export function bodyLossFn(options: BodyLossOptions = {}): LossFn {
  lambdas(options, 'bodyLossFn');
  return (yTrue, yPred) => bodyLoss(yTrue, yPred, options);
}
