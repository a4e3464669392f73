/**
 * The Transformer MLP (BEFUNET.md sections 3 and 4, timm's `Mlp`): Linear(C, hidden), GELU (exact
 * erf form), Linear(hidden, out), with optional dropout after each linear in training. Swin's
 * blocks, DLF's encoders and LCAF's FFN all use it; sub-layers `fc1`, `fc2` (timm names), so that
 * weights are `.../mlp/fc1/kernel`.
 */

import { gelu } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertPositiveInteger, assertRate, formatShape } from './checks.js';
import { CompositeLayer, type LayerArgs, withDefaultName } from './composite-layer.js';
import { dropout } from './dropout.js';
import { ShapeError } from './errors.js';
import type { InitializerSpec } from './initializers.js';
import { Linear } from './linear.js';

export interface MlpArgs extends LayerArgs {
  /** Input (and default output) channels. */
  dim: number;
  /** Hidden channels. Defaults to 4 * dim. */
  hiddenDim?: number;
  /** Output channels. Defaults to dim. */
  outDim?: number;
  /** Dropout rate after each linear (training only). Defaults to 0. */
  drop?: number;
  /** Kernel initialisers of `fc1` and `fc2`. Default: truncated normal, std 0.02 (timm's). */
  kernelInitializers?: { fc1?: InitializerSpec; fc2?: InitializerSpec };
}

const truncatedNormal002 = () => tfl.initializers.truncatedNormal({ stddev: 0.02 });

/** Input [..., dim] -> [..., outDim]. */
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
    this.dim = assertPositiveInteger(args.dim, 'Mlp: dim');
    this.hiddenDim = assertPositiveInteger(args.hiddenDim ?? 4 * args.dim, 'Mlp: hiddenDim');
    this.outDim = assertPositiveInteger(args.outDim ?? args.dim, 'Mlp: outDim');
    this.drop = assertRate(args.drop ?? 0, 'Mlp: drop');
    const init = args.kernelInitializers ?? {};
    this.fc1 = this.track(
      new Linear({ units: this.hiddenDim, name: 'fc1', kernelInitializer: init.fc1 ?? truncatedNormal002() }),
    );
    this.fc2 = this.track(
      new Linear({ units: this.outDim, name: 'fc2', kernelInitializer: init.fc2 ?? truncatedNormal002() }),
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
