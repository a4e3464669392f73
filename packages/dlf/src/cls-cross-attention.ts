/**
 * Class-token cross-attention: one level's class token visits the other level (BEFUNET.md section 5).
 *
 *   c  = f(CLS)                                  CLS [B, 1, C], c [B, 1, C'] (C' the other width)
 *   X  = LN([c || P'])                           P' [B, N', C'] the other level's patch tokens
 *   y  = c + W_o MHA(q = X_0 W_q, k = X W_k, v = X W_v)
 *   CLS_new = g(y)                               [B, 1, C]
 *
 * The class token is the only query, so the cost is linear in N':
 *   FLOPs ~ 4 (N'+1) C'^2 (keys, values) + 4 (N'+1) C' (scores, weighted sum)
 *         + 4 C'^2 (query, output) + 4 C C' (f, g)        per batch element (multiply-add = 2).
 *
 * Keys and values share one projection `kv` (C' -> 2C'). The key bias is kept for parity with the
 * official layer but gets no gradient: adding a constant to every key shifts every score of a query by
 * the same amount, which the softmax ignores.
 */
import { CompositeLayer, formatShape, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkHeads, multiHeadAttention } from './attention.js';
import { ClsProjection } from './cls-projection.js';
import { DlfLayerNorm } from './layer-norm.js';
import { childSeed, linear } from './seeds.js';
import { type LayerArgs, positiveInt, withDefaultName } from './types.js';

/** Multiply-adds x2 of one class-token cross-attention for `n` other-level tokens (see the file comment). */
export function clsCrossAttentionFlops(n: number, dim: number, otherDim: number): number {
  const m = n + 1;
  return 4 * m * otherDim * otherDim + 4 * m * otherDim + 4 * otherDim * otherDim + 4 * dim * otherDim;
}

export interface ClsCrossAttentionArgs extends LayerArgs {
  /** Width C of the class token (its own level). */
  dim: number;
  /** Width C' of the other level, where the attention runs. */
  otherDim: number;
  /** Attention heads at width C'; must divide `otherDim`. */
  numHeads: number;
  /** Bias on the query, key and value projections. Defaults to true. */
  qkvBias?: boolean;
  /** Seed of the weight initialisers; unseeded when omitted. */
  seed?: number | null;
}

/** Inputs `[cls [B, 1, C], otherTokens [B, N', C']]`, output the new class token [B, 1, C]. */
export class ClsCrossAttention extends CompositeLayer {
  static className = 'befunet>DlfClsCrossAttention';
  readonly dim: number;
  readonly otherDim: number;
  readonly numHeads: number;
  readonly qkvBias: boolean;
  readonly seed: number | undefined;
  private readonly f: ClsProjection;
  private readonly norm: DlfLayerNorm;
  private readonly q: tfl.layers.Layer;
  private readonly kv: tfl.layers.Layer;
  private readonly proj: tfl.layers.Layer;
  private readonly g: ClsProjection;

  constructor(args: ClsCrossAttentionArgs) {
    super(withDefaultName(args, 'cls_cross_attention'));
    this.dim = positiveInt(args.dim, 'dim');
    this.otherDim = positiveInt(args.otherDim, 'otherDim');
    this.numHeads = args.numHeads;
    checkHeads(this.otherDim, this.numHeads, 'class-token cross-attention');
    this.qkvBias = args.qkvBias ?? true;
    this.seed = args.seed ?? undefined;
    const s = (i: number) => childSeed(this.seed, i);
    this.f = this.track(new ClsProjection({ name: 'f', units: this.otherDim, seed: s(0) }));
    this.norm = this.track(new DlfLayerNorm({ name: 'norm' }));
    this.q = this.track(linear('q', this.otherDim, s(1), this.qkvBias));
    this.kv = this.track(linear('kv', 2 * this.otherDim, s(2), this.qkvBias));
    this.proj = this.track(linear('proj', this.otherDim, s(3)));
    this.g = this.track(new ClsProjection({ name: 'g', units: this.dim, seed: s(4) }));
  }

  private checkShapes(shapes: readonly (readonly (number | null)[])[]): void {
    if (shapes.length !== 2) {
      throw new ShapeError(`ClsCrossAttention takes [classToken, otherTokens], got ${shapes.length} inputs`);
    }
    const [cls, other] = shapes as [tfl.Shape, tfl.Shape];
    if (cls.length !== 3 || cls[1] !== 1 || cls[2] !== this.dim) {
      throw new ShapeError(`classToken must have shape [B,1,${this.dim}], got ${formatShape(cls)}`);
    }
    if (other.length !== 3 || other[2] !== this.otherDim) {
      throw new ShapeError(`otherTokens must have shape [B,N,${this.otherDim}], got ${formatShape(other)}`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = inputShape as tfl.Shape[];
    this.checkShapes(shapes);
    const [cls, other] = shapes as [tfl.Shape, tfl.Shape];
    const wide = [cls[0]!, 1, this.otherDim];
    this.buildSublayer(this.f, cls);
    this.buildSublayer(this.norm, other);
    this.buildSublayer(this.q, wide);
    this.buildSublayer(this.kv, other);
    this.buildSublayer(this.proj, wide);
    this.buildSublayer(this.g, wide);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [cls, other] = inputs as [tf.Tensor3D, tf.Tensor3D];
    this.checkShapes([cls.shape, other.shape]);
    return tf.tidy(() => {
      const c = this.f.apply(cls) as tf.Tensor3D;
      const x = this.norm.apply(tf.concat([c, other], 1)) as tf.Tensor3D;
      const q = this.q.apply(tf.slice(x, [0, 0, 0], [-1, 1, -1])) as tf.Tensor3D;
      const [k, v] = tf.split(this.kv.apply(x) as tf.Tensor3D, 2, -1) as [tf.Tensor3D, tf.Tensor3D];
      const y = tf.add(c, this.proj.apply(multiHeadAttention(q, k, v, this.numHeads)) as tf.Tensor);
      return this.g.apply(y) as tf.Tensor;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (inputShape as tfl.Shape[])[0]!;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      otherDim: this.otherDim,
      numHeads: this.numHeads,
      qkvBias: this.qkvBias,
      seed: this.seed ?? null,
    };
  }
}
tf.serialization.registerClass(ClsCrossAttention);
