/**
 * The transformer MLP of a Swin block (BEFUNET.md section 3): Linear(C, rC), GELU (exact erf
 * form), Linear(rC, C), with optional dropout after each linear in training.
 */
import {
  CompositeLayer,
  ConfigError,
  dropout,
  formatShape,
  gelu,
  type LayerArgs,
  Linear,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface MlpArgs extends LayerArgs {
  /** Input (and default output) channels. */
  dim: number;
  /** Hidden channels. Defaults to 4 * dim. */
  hiddenDim?: number;
  /** Output channels. Defaults to dim. */
  outDim?: number;
  /** Dropout rate after each linear (training only). Defaults to 0. */
  drop?: number;
}

/** Input [..., dim] -> [..., outDim]; sub-layers `fc1`, `fc2` (timm names). */
export class Mlp extends CompositeLayer {
  static className = 'befunet>Mlp';
  readonly dim: number;
  readonly hiddenDim: number;
  readonly outDim: number;
  readonly drop: number;
  private readonly fc1: tfl.layers.Layer;
  private readonly fc2: tfl.layers.Layer;

  constructor(args: MlpArgs) {
    super(withDefaultName(args, 'mlp'));
    this.dim = args.dim;
    this.hiddenDim = args.hiddenDim ?? 4 * args.dim;
    this.outDim = args.outDim ?? args.dim;
    this.drop = args.drop ?? 0;
    for (const [k, v] of [
      ['dim', this.dim],
      ['hiddenDim', this.hiddenDim],
      ['outDim', this.outDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new ConfigError(`Mlp: ${k} must be a positive integer, got ${v}`);
    }
    if (!(this.drop >= 0 && this.drop < 1))
      throw new ConfigError(`Mlp: drop must be in [0, 1), got ${this.drop}`);
    const kernelInitializer = () => tfl.initializers.truncatedNormal({ stddev: 0.02 });
    this.fc1 = this.track(
      new Linear({ units: this.hiddenDim, name: 'fc1', kernelInitializer: kernelInitializer() }),
    );
    this.fc2 = this.track(
      new Linear({ units: this.outDim, name: 'fc2', kernelInitializer: kernelInitializer() }),
    );
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    if (shape[shape.length - 1] !== this.dim) {
      throw new ShapeError(`Mlp input must have ${this.dim} channels (dim), got ${formatShape(shape)}`);
    }
    this.buildSublayer(this.fc2, this.buildSublayer(this.fc1, shape) as tfl.Shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean } = {}): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const training = (kwargs.training ?? false) && this.drop > 0;
      let h = gelu(this.fc1.apply(x) as tf.Tensor);
      if (training) h = dropout(h, this.drop);
      let y = this.fc2.apply(h) as tf.Tensor;
      if (training) y = dropout(y, this.drop);
      return y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = inputShape as tfl.Shape;
    return [...shape.slice(0, -1), this.outDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      hiddenDim: this.hiddenDim,
      outDim: this.outDim,
      drop: this.drop,
    };
  }
}
tf.serialization.registerClass(Mlp);

export { gelu };
