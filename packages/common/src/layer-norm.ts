/**
 * The LayerNorm layer over the last axis: weights `gamma` and `beta`, and the op `layerNorm` of
 * @befunet/kernels (one fused kernel on WebGPU, its gradient four; broadcasting TF.js ops elsewhere).
 * y = (x - mean) / sqrt(var + eps) * gamma + beta, biased variance, eps 1e-5 as PyTorch's default.
 */
import { LAYER_NORM_EPSILON, layerNorm } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type LayerArgs, withDefaultName } from './composite-layer.js';
import { ShapeError } from './errors.js';

export interface LayerNormArgs extends LayerArgs {
  /** Added to the variance. Defaults to 1e-5. */
  epsilon?: number;
}

/** The layer: weights `gamma` (ones) and `beta` (zeros) of the last axis's size, as tfjs-layers' LayerNormalization names them. */
export class LayerNorm extends tfl.layers.Layer {
  static className = 'befunet>LayerNorm';
  readonly epsilon: number;
  private gamma!: tfl.LayerVariable;
  private beta!: tfl.LayerVariable;

  constructor(args: LayerNormArgs = {}) {
    super(withDefaultName(args, 'layer_norm'));
    this.epsilon = args.epsilon ?? LAYER_NORM_EPSILON;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const dim = shape[shape.length - 1];
    if (dim == null) throw new ShapeError(`LayerNorm '${this.name}' needs a known last axis, got [${shape}]`);
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
tf.serialization.registerClass(LayerNorm);
