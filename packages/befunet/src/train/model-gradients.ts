/**
 * The gradients phase of a training step through TF.js, for the trainer and the replayed step:
 * forward in training mode, loss and backward of every micro-batch, the mean loss and gradients
 * (`accumulateGradients`) and the summed class counts of the training Dice.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { accumulateGradients } from './accumulate-gradients.js';
import { namedWeights } from './checkpoint.js';
import { classCounts } from './running-dice.js';

/** The loss of the model's training-mode outputs against the labels. */
export type TrainingLossFunction = (outputs: tf.Tensor | tf.Tensor[], labels: tf.Tensor) => tf.Scalar;

/** A trainable weight, by scoped name. */
export interface Parameter {
  name: string;
  variable: tf.Variable;
}

/** What the gradients phase gives; the caller owns the tensors. */
export interface StepGradients {
  loss: tf.Scalar;
  countSum: tf.Tensor;
  /** The mean gradient of each parameter, undefined where the loss does not reach it. */
  gradients: (tf.Tensor | undefined)[];
}

/** The gradients phase on micro-batches `images[i]`, `labels[i]`. */
export type GradientsPhase = (images: tf.Tensor[], labels: tf.Tensor[]) => StepGradients;

/** The model's trainable weights, by scoped name. */
export function trainableParameters(model: tfl.LayersModel): Parameter[] {
  return [...namedWeights(model)]
    .filter(([, w]) => w.trainable)
    .map(([name, w]) => ({ name, variable: w.read() as tf.Variable }));
}

/** The gradients phase through TF.js of `model` for the gradients of `parameters` under `loss`. */
export function gradientsThroughTfjs(
  model: tfl.LayersModel,
  parameters: readonly Parameter[],
  loss: TrainingLossFunction,
): GradientsPhase {
  const variables = parameters.map((p) => p.variable);
  return (images, labels) => {
    const counts: tf.Tensor[] = [];
    const accumulated = accumulateGradients(variables, images.length, (i) => {
      const outputs = model.apply(images[i]!, { training: true }) as tf.Tensor | tf.Tensor[];
      counts.push(tf.keep(classCounts(Array.isArray(outputs) ? outputs[0]! : outputs, labels[i]!)));
      return loss(outputs, labels[i]!);
    });
    const countSum = tf.addN(counts);
    tf.dispose(counts);
    return { ...accumulated, countSum };
  };
}
