/**
 * A pre-norm Transformer encoder over [B, N, C] tokens (ViT's block, as in HiFormer's DLF):
 *
 *   z' = z + MHSA(LN(z))        z'' = z' + MLP(LN(z'))
 *
 * Global self-attention (every token, class token included, attends to every token), LayerNorm
 * eps 1e-5, MLP with exact GELU. No dropout or drop-path.
 */
import { CompositeLayer, Mlp } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DlfSelfAttention } from './attention.js';
import { DlfLayerNorm } from './layer-norm.js';
import { dlfMlpArgs } from './mlp.js';
import { childSeed } from './seeds.js';
import { type LayerArgs, positiveInt, single, withDefaultName } from './types.js';

export interface TransformerEncoderArgs extends LayerArgs {
  /** Token width C. */
  dim: number;
  /** Number of attention heads; must divide `dim`. */
  numHeads: number;
  /** MLP hidden width over C. Defaults to 2 (HiFormer's DLF). */
  mlpRatio?: number;
  /** Bias on the query/key/value projection. Defaults to true. */
  qkvBias?: boolean;
  /** Seed of the weight initialisers; unseeded when omitted. */
  seed?: number | null;
}

export class TransformerEncoder extends CompositeLayer {
  static className = 'befunet>DlfTransformerEncoder';
  readonly dim: number;
  readonly numHeads: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly seed: number | undefined;
  private readonly norm1: DlfLayerNorm;
  private readonly attn: DlfSelfAttention;
  private readonly norm2: DlfLayerNorm;
  private readonly mlp: Mlp;

  constructor(args: TransformerEncoderArgs) {
    super(withDefaultName(args, 'transformer_encoder'));
    this.dim = positiveInt(args.dim, 'dim');
    this.numHeads = args.numHeads;
    this.mlpRatio = args.mlpRatio ?? 2;
    this.qkvBias = args.qkvBias ?? true;
    this.seed = args.seed ?? undefined;
    const { dim, numHeads, mlpRatio, qkvBias } = this;
    this.norm1 = this.track(new DlfLayerNorm({ name: 'norm1' }));
    this.attn = this.track(
      new DlfSelfAttention({ name: 'attn', dim, numHeads, qkvBias, seed: childSeed(this.seed, 0) }),
    );
    this.norm2 = this.track(new DlfLayerNorm({ name: 'norm2' }));
    this.mlp = this.track(new Mlp(dlfMlpArgs({ name: 'mlp', dim, mlpRatio, seed: childSeed(this.seed, 1) })));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    for (const child of [this.norm1, this.attn, this.norm2, this.mlp]) this.buildSublayer(child, shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const z = single(inputs);
      const z1 = tf.add(z, this.attn.apply(this.norm1.apply(z)) as tf.Tensor);
      return tf.add(z1, this.mlp.apply(this.norm2.apply(z1)) as tf.Tensor);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      numHeads: this.numHeads,
      mlpRatio: this.mlpRatio,
      qkvBias: this.qkvBias,
      seed: this.seed ?? null,
    };
  }
}
tf.serialization.registerClass(TransformerEncoder);
