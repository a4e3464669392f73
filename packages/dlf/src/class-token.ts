/**
 * Class token and position embedding of one DLF level (BEFUNET.md section 5):
 *
 *   CLS = GAP(LN(P))                  (mean of the normalised patch tokens)
 *   Z   = [CLS || P] + E_pos          E_pos: learned, one row per token, class token first
 *
 * Input P: [B, N, C] patch tokens; output Z: [B, 1 + N, C].
 */
import { CompositeLayer } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DlfLayerNorm } from './layer-norm.js';
import { truncNormal002 } from './seeds.js';
import { type LayerArgs, positiveInt, single, withDefaultName } from './types.js';

/** `GAP` over tokens: [B, N, C] -> [B, 1, C]. */
export function classToken(normedTokens: tf.Tensor3D): tf.Tensor3D {
  return tf.mean(normedTokens, 1, true);
}

/** `[cls || tokens] + pos`: cls [B, 1, C], tokens [B, N, C], pos [N + 1, C] -> [B, N + 1, C]. */
export function prependClassToken(cls: tf.Tensor3D, tokens: tf.Tensor3D, pos: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => tf.add(tf.concat([cls, tokens], 1), pos));
}

export interface ClassTokenEmbedArgs extends LayerArgs {
  /** Token width C. */
  dim: number;
  /** Number of patch tokens N (grid height x width); the position embedding has N + 1 rows. */
  numTokens: number;
  /** Seed of the position-embedding initialiser (truncated normal, std 0.02); unseeded when omitted. */
  seed?: number | null;
}

export class ClassTokenEmbed extends CompositeLayer {
  static className = 'befunet>DlfClassTokenEmbed';
  readonly dim: number;
  readonly numTokens: number;
  readonly seed: number | undefined;
  private readonly norm: DlfLayerNorm;
  private posEmbed!: tfl.LayerVariable;

  constructor(args: ClassTokenEmbedArgs) {
    super(withDefaultName(args, 'class_token_embed'));
    this.dim = positiveInt(args.dim, 'dim');
    this.numTokens = positiveInt(args.numTokens, 'numTokens');
    this.seed = args.seed ?? undefined;
    this.norm = this.track(new DlfLayerNorm({ name: 'norm' }));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    this.posEmbed = this.addWeight(
      'pos_embed',
      [this.numTokens + 1, this.dim],
      'float32',
      truncNormal002(this.seed),
    );
    this.buildSublayer(this.norm, inputShape as tfl.Shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const tokens = single(inputs) as tf.Tensor3D;
      const cls = classToken(this.norm.apply(tokens) as tf.Tensor3D);
      return prependClassToken(cls, tokens, this.posEmbed.read() as tf.Tensor2D);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, n, c] = inputShape as tfl.Shape;
    return [b!, n == null ? null : n + 1, c!];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, numTokens: this.numTokens, seed: this.seed ?? null };
  }
}
tf.serialization.registerClass(ClassTokenEmbed);
