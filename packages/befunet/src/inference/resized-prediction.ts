/**
 * Inference without tiling: each image is resized to the model's S x S input (bilinear, half-pixel
 * centres as in PyTorch's align_corners=False), predicted, and its class probabilities are resized
 * back to H x W (bilinear, which keeps them in [0, 1] and summing to 1). Faster than the sliding
 * window, coarser where H or W is much larger than S.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../model/befunet.js';
import { checkImageTensor, withInputRank } from './image-input.js';
import { type InferenceOptions, resolveInferenceOptions } from './inference-options.js';
import { logitsToProbabilities } from './probabilities.js';
import { segment } from './segment.js';

/** Class probabilities [H, W, K] of an image [H, W, C] (or [N, H, W, K] of [N, H, W, C]); the caller owns them. */
export async function resizedPrediction(
  model: tfl.LayersModel,
  images: tf.Tensor3D,
  options?: InferenceOptions,
): Promise<tf.Tensor3D>;
export async function resizedPrediction(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  options?: InferenceOptions,
): Promise<tf.Tensor4D>;
export async function resizedPrediction(
  model: tfl.LayersModel,
  images: tf.Tensor,
  options: InferenceOptions = {},
): Promise<tf.Tensor> {
  const { batchSize, replay } = resolveInferenceOptions(options);
  const s = befunetConfigOf(model).imageSize;
  const x = await checkImageTensor(images);
  const [n, h, w] = x.shape;
  const parts: tf.Tensor4D[] = [];
  try {
    for (let b = 0; b < n; b += batchSize) {
      const count = Math.min(batchSize, n - b);
      const small = tf.tidy(() =>
        tf.image.resizeBilinear(tf.slice(x, [b, 0, 0, 0], [count, -1, -1, -1]), [s, s], false, true),
      );
      const logits = await segment(model, small, { replay }).finally(() => small.dispose());
      parts.push(tf.tidy(() => tf.image.resizeBilinear(logitsToProbabilities(logits), [h, w], false, true)));
      logits.dispose();
    }
    return withInputRank(tf.concat(parts), images.rank);
  } finally {
    tf.dispose(parts);
    if (x !== images) x.dispose();
  }
}
