/**
 * Test models and reference maths for the inference tests (not shipped API).
 *
 * `pointwiseModel` is a 1x1 convolution tagged as a BEFUnet of input S: its logits at a pixel
 * depend on that pixel only, so any correct tiling, padding and blending must give, at every pixel,
 * exactly the softmax of `kernel^T rgb + bias` computed here by hand.
 */

import { SeededRandom } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createBefunet } from '../../model/befunet.js';
import { befunetConfig } from '../../model/config.js';

/** The real `tiny` preset at 32 px, K classes (random weights, seed 7). */
export function tinyModel(numClasses = 4): tfl.LayersModel {
  // Seeded: an unseeded random model may, rarely, give one class everywhere (tests count classes).
  return createBefunet(befunetConfig('tiny', { imageSize: 32, numClasses }), {}, { seed: 7 });
}

/** logits_k = sum_c kernel[c][k] rgb_c + bias_k at each pixel; input S x S x 3. */
export function pointwiseModel(size: number, kernel: number[][], bias: number[]): tfl.LayersModel {
  const k = bias.length;
  const model = tfl.sequential({
    layers: [tfl.layers.conv2d({ inputShape: [size, size, 3], filters: k, kernelSize: 1 })],
  });
  model.setWeights([tf.tensor4d(kernel.flat(), [1, 1, 3, k]), tf.tensor1d(bias)]);
  // The metadata `createBefunet` stores, so that `befunetConfigOf` gives the input size and classes.
  model.setUserDefinedMetadata({
    befunet: befunetConfig('tiny', { imageSize: size, numClasses: k }) as unknown as Record<string, unknown>,
  });
  return model;
}

/** The pointwise model's probabilities at one pixel of colour `rgb`, by hand (softmax, or [1 - s, s] for one logit). */
export function pointwiseProbabilities(kernel: number[][], bias: number[], rgb: ArrayLike<number>): number[] {
  const logits = bias.map(
    (b, k) => b + rgb[0]! * kernel[0]![k]! + rgb[1]! * kernel[1]![k]! + rgb[2]! * kernel[2]![k]!,
  );
  if (logits.length === 1) {
    const s = 1 / (1 + Math.exp(-logits[0]!));
    return [1 - s, s];
  }
  return softmax(logits);
}

export function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** Index of the largest value (the first one on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** `count` seeded uniform values in [0, 1). */
export function randomValues(count: number, seed = 1): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length: count }, () => random.next());
}
