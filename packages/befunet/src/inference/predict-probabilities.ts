/** Class probabilities of images of any size, by the mode the options choose (sliding window by default). */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type InferenceOptions, resolveInferenceOptions } from './inference-options.js';
import { resizedPrediction } from './resized-prediction.js';
import { slidingWindow } from './sliding-window.js';

/** Probabilities [N, H, W, K] of images [N, H, W, C] (K = 2 for a single-logit model); the caller owns them. */
export async function predictProbabilities(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  options: InferenceOptions = {},
): Promise<tf.Tensor4D> {
  return resolveInferenceOptions(options).mode === 'resize'
    ? resizedPrediction(model, images, options)
    : slidingWindow(model, images, options);
}
