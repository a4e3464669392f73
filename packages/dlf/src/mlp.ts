/**
 * The Transformer feed-forward network: Linear(C, rC) -> GELU (exact erf form) -> Linear(rC, C).
 */
import { CompositeLayer, ConfigError, gelu } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { childSeed, linear } from './seeds.js';
import { type LayerArgs, positiveInt, single, withDefaultName } from './types.js';

/** Hidden width of an MLP: `round(dim * ratio)`, at least 1. */
export function mlpHidden(dim: number, ratio: number): number {
  return Math.max(1, Math.round(dim * ratio));
}

export interface DlfMlpArgs extends LayerArgs {
  /** Input and output width C. */
  dim: number;
  /** Hidden width over input width. Defaults to 2 (HiFormer's DLF). */
  mlpRatio?: number;
  /** Seed of the weight initialisers; unseeded when omitted. */
  seed?: number | null;
}

export class DlfMlp extends CompositeLayer {
  static className = 'befunet>DlfMlp';
  readonly dim: number;
  readonly mlpRatio: number;
  readonly seed: number | undefined;
  private readonly fc1: tfl.layers.Layer;
  private readonly fc2: tfl.layers.Layer;

  constructor(args: DlfMlpArgs) {
    super(withDefaultName(args, 'dlf_mlp'));
    this.dim = positiveInt(args.dim, 'dim');
    this.mlpRatio = args.mlpRatio ?? 2;
    this.seed = args.seed ?? undefined;
    if (!(this.mlpRatio > 0)) throw new ConfigError(`mlpRatio must be positive, got ${this.mlpRatio}`);
    this.fc1 = this.track(linear('fc1', mlpHidden(this.dim, this.mlpRatio), childSeed(this.seed, 0)));
    this.fc2 = this.track(linear('fc2', this.dim, childSeed(this.seed, 1)));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    this.buildSublayer(this.fc2, this.buildSublayer(this.fc1, inputShape as tfl.Shape) as tfl.Shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const h = gelu(this.fc1.apply(single(inputs)) as tf.Tensor);
      return this.fc2.apply(h) as tf.Tensor;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, mlpRatio: this.mlpRatio, seed: this.seed ?? null };
  }
}
tf.serialization.registerClass(DlfMlp);

export { gelu };
