/**
 * Patch merging between Swin stages (BEFUNET.md section 3): each 2x2 group of tokens is concatenated
 * to 4C, normalised, and projected to 2C without bias, halving the grid.
 */
import {
  assertPositiveInteger,
  assertRank,
  CompositeLayer,
  formatShape,
  type LayerArgs,
  LayerNorm,
  Linear,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import { LAYER_NORM_EPSILON } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * [B, H, W, C] -> [B, H/2, W/2, 4C] in the official channel order: x[0::2, 0::2], x[1::2, 0::2],
 * x[0::2, 1::2], x[1::2, 1::2] (row parity varies fastest). H and W must be even.
 */
export function patchMergeConcat(x: tf.Tensor4D): tf.Tensor4D {
  assertRank(x, 4, 'patchMergeConcat input');
  const [b, h, w, c] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) {
    throw new ShapeError(`patch merging needs an even grid, got ${h}x${w} (input ${formatShape(x.shape)})`);
  }
  return tf.tidy(() => {
    // [B*H/2, r, W/2, c, C] -> [B*H/2, W/2, c, r, C]: channel block index = 2c + r.
    const r = tf.reshape(x, [b * (h / 2), 2, w / 2, 2, c]);
    return tf.reshape(tf.transpose(r, [0, 2, 3, 1, 4]), [b, h / 2, w / 2, 4 * c]) as tf.Tensor4D;
  });
}

export interface PatchMergingArgs extends LayerArgs {
  /** Channels C of the input map. */
  dim: number;
  /** Output channels. Defaults to 2 * dim. */
  outDim?: number;
}

/** NHWC [B, H, W, C] -> [B, H/2, W/2, outDim]; sub-layers `norm` (LayerNorm 4C) and `reduction` (no bias). */
export class PatchMerging extends CompositeLayer {
  static className = 'befunet>PatchMerging';
  readonly dim: number;
  readonly outDim: number;
  private readonly norm: tfl.layers.Layer;
  private readonly reduction: tfl.layers.Layer;

  constructor(args: PatchMergingArgs) {
    super(withDefaultName(args, 'patch_merging'));
    this.dim = args.dim;
    this.outDim = args.outDim ?? 2 * args.dim;
    for (const [k, v] of [
      ['dim', this.dim],
      ['outDim', this.outDim],
    ] as const) {
      assertPositiveInteger(v, `PatchMerging: ${k}`);
    }
    this.norm = this.track(new LayerNorm({ name: 'norm', epsilon: LAYER_NORM_EPSILON }));
    this.reduction = this.track(
      new Linear({
        name: 'reduction',
        units: this.outDim,
        useBias: false,
        kernelInitializer: tfl.initializers.truncatedNormal({ stddev: 0.02 }),
      }),
    );
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    if (shape.length !== 4 || shape[3] !== this.dim) {
      throw new ShapeError(
        `PatchMerging input must be NHWC [B, H, W, ${this.dim}], got ${formatShape(shape)}`,
      );
    }
    const merged: tfl.Shape = [null, null, null, 4 * this.dim];
    this.buildSublayer(this.norm, merged);
    this.buildSublayer(this.reduction, merged);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
    assertRank(x, 4, `PatchMerging '${this.name}' input`);
    if (x.shape[3] !== this.dim) {
      throw new ShapeError(`PatchMerging input must have ${this.dim} channels, got ${formatShape(x.shape)}`);
    }
    return tf.tidy(() => this.reduction.apply(this.norm.apply(patchMergeConcat(x))) as tf.Tensor);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w] = inputShape as tfl.Shape;
    const half = (d: number | null) => (d == null ? null : d / 2);
    return [b ?? null, half(h ?? null), half(w ?? null), this.outDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, outDim: this.outDim };
  }
}
tf.serialization.registerClass(PatchMerging);
