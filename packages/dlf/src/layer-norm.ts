/**
 * LayerNorm over the last axis (eps 1e-5, PyTorch's default), with a learned gain and offset.
 *
 * tfjs-layers' own `LayerNormalization` tiles its statistics to the input's size on every call;
 * this one broadcasts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type LayerArgs, withDefaultName } from './types.js';

/** PyTorch's LayerNorm epsilon, which the official code uses everywhere. */
export const LAYER_NORM_EPSILON = 1e-5;

/** `(x - mean) / sqrt(var + eps) * gamma + beta`, statistics over the last axis. */
export function layerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = LAYER_NORM_EPSILON,
): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(normed, gamma), beta);
  });
}

export interface DlfLayerNormArgs extends LayerArgs {
  /** Added to the variance. Defaults to 1e-5. */
  epsilon?: number;
}

export class DlfLayerNorm extends tfl.layers.Layer {
  static className = 'befunet>DlfLayerNorm';
  readonly epsilon: number;
  private gamma!: tfl.LayerVariable;
  private beta!: tfl.LayerVariable;

  constructor(args: DlfLayerNormArgs = {}) {
    super(withDefaultName(args, 'dlf_layer_norm'));
    this.epsilon = args.epsilon ?? LAYER_NORM_EPSILON;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const dim = shape[shape.length - 1]!;
    this.gamma = this.addWeight('gamma', [dim], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [dim], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return layerNorm(x, this.gamma.read(), this.beta.read(), this.epsilon);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(DlfLayerNorm);
