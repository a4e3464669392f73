/**
 * The training loop of the low-memory gradients tests (@befunet/kernels on plain models, core on
 * BEFUnet): from the given weights, a few SGD steps on softmax cross-entropy, then the weights.
 * Imports only TF.js, so kernels' tests use it by path.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Sets `model`'s weights to `initial`, runs `steps` SGD steps (learning rate `learningRate`) of
 * softmax cross-entropy between `labels` and the model's (first) output on `images` in training
 * mode, and returns every weight's values in `model.weights` order.
 */
export async function weightsAfterSgdSteps(
  model: tfl.LayersModel,
  initial: tf.Tensor[],
  images: tf.Tensor,
  labels: tf.Tensor,
  { steps = 2, learningRate = 0.1 }: { steps?: number; learningRate?: number } = {},
): Promise<number[][]> {
  model.setWeights(initial);
  const optimizer = tf.train.sgd(learningRate);
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(() => {
      const out = model.apply(images, { training: true }) as tf.Tensor | tf.Tensor[];
      return tf.losses.softmaxCrossEntropy(labels, Array.isArray(out) ? out[0]! : out) as tf.Scalar;
    });
  }
  optimizer.dispose();
  return Promise.all(model.weights.map(async (v) => Array.from(await v.read().data())));
}
