/**
 * The width changes f and g of the class-token exchange (BEFUNET.md section 5): LN -> GELU -> Linear,
 * as in CrossViT and HiFormer. f maps a class token to the other level's width, g maps it back.
 */
import { CompositeLayer } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DlfLayerNorm } from './layer-norm.js';
import { gelu } from './mlp.js';
import { childSeed, linear } from './seeds.js';
import { type LayerArgs, positiveInt, single, withDefaultName } from './types.js';

export interface ClsProjectionArgs extends LayerArgs {
  /** Output width. */
  units: number;
  /** Seed of the weight initialiser; unseeded when omitted. */
  seed?: number | null;
}

export class ClsProjection extends CompositeLayer {
  static className = 'befunet>DlfClsProjection';
  readonly units: number;
  readonly seed: number | undefined;
  private readonly norm: DlfLayerNorm;
  private readonly fc: tfl.layers.Layer;

  constructor(args: ClsProjectionArgs) {
    super(withDefaultName(args, 'cls_projection'));
    this.units = positiveInt(args.units, 'units');
    this.seed = args.seed ?? undefined;
    this.norm = this.track(new DlfLayerNorm({ name: 'norm' }));
    this.fc = this.track(linear('fc', this.units, childSeed(this.seed, 0)));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    this.buildSublayer(this.norm, shape);
    this.buildSublayer(this.fc, shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.fc.apply(gelu(this.norm.apply(single(inputs)) as tf.Tensor)) as tf.Tensor);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = inputShape as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, seed: this.seed ?? null };
  }
}
tf.serialization.registerClass(ClsProjection);
