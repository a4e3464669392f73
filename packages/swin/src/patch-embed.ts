/**
 * Patch embedding (BEFUNET.md section 3): a P x P convolution with stride P (a linear projection of
 * each non-overlapping patch) to C channels, then LayerNorm.
 */
import {
  assertPositiveInteger,
  assertRank,
  CompositeLayer,
  formatShape,
  type LayerArgs,
  LayerNorm,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import { LAYER_NORM_EPSILON } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface PatchEmbedArgs extends LayerArgs {
  /** Output channels C. */
  embedDim: number;
  /** Patch side P. Defaults to 4. */
  patchSize?: number;
  /** LayerNorm after the projection (Swin's patch_norm). Defaults to true. */
  norm?: boolean;
}

/** NHWC image [B, H, W, Cin] -> [B, H/P, W/P, C]; H and W must be multiples of P. Sub-layers `proj`, `norm`. */
export class PatchEmbed extends CompositeLayer {
  static className = 'befunet>PatchEmbed';
  readonly embedDim: number;
  readonly patchSize: number;
  readonly useNorm: boolean;
  private readonly proj: tfl.layers.Layer;
  private readonly norm: tfl.layers.Layer | null;

  constructor(args: PatchEmbedArgs) {
    super(withDefaultName(args, 'patch_embed'));
    this.embedDim = args.embedDim;
    this.patchSize = args.patchSize ?? 4;
    this.useNorm = args.norm ?? true;
    for (const [k, v] of [
      ['embedDim', this.embedDim],
      ['patchSize', this.patchSize],
    ] as const) {
      assertPositiveInteger(v, `PatchEmbed: ${k}`);
    }
    this.proj = this.track(
      tfl.layers.conv2d({
        name: 'proj',
        filters: this.embedDim,
        kernelSize: this.patchSize,
        strides: this.patchSize,
        padding: 'valid',
      }),
    );
    this.norm = this.useNorm
      ? this.track(new LayerNorm({ name: 'norm', epsilon: LAYER_NORM_EPSILON }))
      : null;
  }

  private checkSize(shape: readonly (number | null)[]): void {
    const p = this.patchSize;
    for (const d of [shape[1], shape[2]]) {
      if (d != null && d % p !== 0) {
        throw new ShapeError(
          `PatchEmbed input height and width must be multiples of the patch size ${p}, got ${formatShape(shape)}`,
        );
      }
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    if (shape.length !== 4 || shape[3] == null) {
      throw new ShapeError(
        `PatchEmbed input must be NHWC [B, H, W, C] with known C, got ${formatShape(shape)}`,
      );
    }
    this.checkSize(shape);
    const out = this.buildSublayer(this.proj, shape) as tfl.Shape;
    if (this.norm) this.buildSublayer(this.norm, out);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    assertRank(x, 4, `PatchEmbed '${this.name}' input`);
    this.checkSize(x.shape);
    return tf.tidy(() => {
      const y = this.proj.apply(x) as tf.Tensor;
      return this.norm ? (this.norm.apply(y) as tf.Tensor) : y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w] = inputShape as tfl.Shape;
    const div = (d: number | null | undefined) => (d == null ? null : d / this.patchSize);
    return [b ?? null, div(h), div(w), this.embedDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), embedDim: this.embedDim, patchSize: this.patchSize, norm: this.useNorm };
  }
}
tf.serialization.registerClass(PatchEmbed);
