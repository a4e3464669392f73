/**
 * The network's forward pass for users: checked images in, logits out (replayed on WebGPU). It lives
 * with inference, not in model/, so that no import runs from the model up to inference.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../model/befunet.js';
import { assertFinite, prepareImages } from '../model/input.js';
import { replayedPredictor } from './replayed-predictor.js';

/**
 * Logits [B, S, S, K] of a BEFUnet for `images` (checked, grey repeated to RGB). The caller owns the
 * result. On WebGPU the forward pass is replayed from a capture after the first calls of a shape
 * (`replayedPredictor`; the same values); `replay: false` always runs it through TF.js.
 */
export async function segment(
  model: tfl.LayersModel,
  images: tf.Tensor,
  options: { replay?: boolean } = {},
): Promise<tf.Tensor4D> {
  const { imageSize } = befunetConfigOf(model);
  const x = prepareImages(images, imageSize);
  try {
    await assertFinite(x, 'images');
    return tf.tidy(() => {
      const out =
        options.replay === false
          ? (model.predict(x) as tf.Tensor | tf.Tensor[])
          : replayedPredictor(model).predict(x);
      return (Array.isArray(out) ? out[0]! : out) as tf.Tensor4D;
    });
  } finally {
    if (x !== images) x.dispose();
  }
}
