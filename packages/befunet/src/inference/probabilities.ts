/**
 * Class probabilities from a BEFUnet's logits [..., K]: a softmax over the K classes, or, for a
 * single-logit (binary) model, the two classes [1 - sigmoid(z), sigmoid(z)], so that everything
 * after (blending, decisions, overlays) sees K >= 2 probabilities that sum to 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../model/befunet.js';

/** Probabilities [..., max(K, 2)] of logits [..., K]; the caller owns the result. */
export function logitsToProbabilities<T extends tf.Tensor>(logits: T): T {
  return tf.tidy(() => {
    if (logits.shape[logits.rank - 1] !== 1) return tf.softmax(logits);
    const p = tf.sigmoid(logits);
    return tf.concat([tf.sub(1, p), p], -1);
  }) as T;
}

/** The number of classes of a model's predictions: its numClasses, 2 for a single-logit model. */
export function predictedClassCount(model: tfl.LayersModel): number {
  return Math.max(2, befunetConfigOf(model).numClasses);
}
