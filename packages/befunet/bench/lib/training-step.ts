/**
 * The benchmarks' training step: SGD with momentum (lr 0.01, momentum 0.9, no weight decay, as the
 * PyTorch reference's defaults) on the softmax cross-entropy of the logits against fixed random labels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../../src/model/befunet.js';
import { Sgd } from '../../src/train/sgd.js';
import { logitsOf } from './timing.js';

export interface TrainingStep {
  /** One step on the images given, ended by reading the loss back. */
  step: () => Promise<void>;
  /** The one-hot labels of the step. */
  labels: tf.Tensor;
  /** Frees the labels and the optimizer's state. */
  dispose: () => void;
}

export function sgdTrainingStep(model: tfl.LayersModel, x: tf.Tensor): TrainingStep {
  const { imageSize, numClasses } = befunetConfigOf(model);
  const batch = x.shape[0]!;
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 0 });
  const labels = tf.oneHot(
    tf.randomUniform([batch, imageSize, imageSize], 0, numClasses, 'int32', 2),
    numClasses,
  );
  const parameters = model.trainableWeights.map((w) => ({ name: w.name, variable: w.read() as tf.Variable }));
  const step = async () => {
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(
          labels,
          logitsOf(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]),
        ) as tf.Scalar,
      parameters.map((p) => p.variable),
    );
    optimizer.apply(
      parameters.flatMap((p) => {
        const gradient = grads[p.variable.name];
        return gradient ? [{ ...p, gradient }] : [];
      }),
      0.01,
    );
    tf.dispose(Object.values(grads));
    await value.data();
    value.dispose();
  };
  const dispose = () => {
    optimizer.dispose();
    labels.dispose();
  };
  return { step, labels, dispose };
}
