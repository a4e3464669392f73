/**
 * Multi-head scaled dot-product attention, and the global self-attention of a Transformer encoder.
 */
import { attentionCore, CompositeLayer, ConfigError, isInferenceCall } from '@befunet/common';
import { fusedAttentionRuns, fusedGridWindowAttention } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { childSeed, linear } from './seeds.js';
import { type LayerArgs, positiveInt, single, withDefaultName } from './types.js';

/**
 * Largest score matrix (B * heads * queries * keys elements) computed in one op: 2^24 floats, 64 MiB.
 * WebGPU's default `maxStorageBufferBindingSize` is 128 MiB, so a bigger matrix (global attention on
 * 56 x 56 tokens: 6 heads x 3137^2 floats = 236 MB) cannot be bound; queries are then processed in
 * chunks, which is exact because the softmax runs along the keys of each query.
 */
export const MAX_SCORE_ELEMENTS = 2 ** 24;

/**
 * `softmax(Q_h K_h^T / sqrt(d)) V_h` for each of `numHeads` heads of width `d = C / numHeads`,
 * heads concatenated back in order.
 *
 * @param q queries [B, Nq, C]
 * @param k keys [B, Nk, C]
 * @param v values [B, Nk, C]
 * @param maxScoreElements queries are chunked so that no score matrix exceeds this many elements.
 * @returns [B, Nq, C]
 */
export function multiHeadAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  numHeads: number,
  maxScoreElements = MAX_SCORE_ELEMENTS,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, nq, c] = q.shape;
    const d = c / numHeads;
    // [B, N, C] -> [B, h, N, d]
    const heads = (t: tf.Tensor3D) =>
      tf.transpose(tf.reshape(t, [b, t.shape[1], numHeads, d]), [0, 2, 1, 3]) as tf.Tensor4D;
    const scale = 1 / Math.sqrt(d);
    const out = attentionCore(heads(q), heads(k), heads(v), { scale, maxScoreElements });
    return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, nq, c]);
  });
}

/** Throws a ConfigError unless `numHeads` divides `dim`. */
export function checkHeads(dim: number, numHeads: number, what: string): void {
  positiveInt(numHeads, `${what} heads`);
  if (dim % numHeads !== 0) {
    throw new ConfigError(`${what}: ${numHeads} heads must divide the width ${dim}`);
  }
}

export interface DlfSelfAttentionArgs extends LayerArgs {
  /** Token width C. */
  dim: number;
  /** Number of heads; must divide `dim`. */
  numHeads: number;
  /** Bias on the query/key/value projection. Defaults to true. */
  qkvBias?: boolean;
  /** Seed of the weight initialisers; unseeded when omitted. */
  seed?: number | null;
}

/** Global multi-head self-attention over [B, N, C] tokens: `qkv` (C -> 3C, as [q | k | v]) then `proj`. */
export class DlfSelfAttention extends CompositeLayer {
  static className = 'befunet>DlfSelfAttention';
  readonly dim: number;
  readonly numHeads: number;
  readonly qkvBias: boolean;
  readonly seed: number | undefined;
  private readonly qkv: tfl.layers.Layer;
  private readonly proj: tfl.layers.Layer;

  constructor(args: DlfSelfAttentionArgs) {
    super(withDefaultName(args, 'dlf_self_attention'));
    this.dim = positiveInt(args.dim, 'dim');
    this.numHeads = args.numHeads;
    checkHeads(this.dim, this.numHeads, 'self-attention');
    this.qkvBias = args.qkvBias ?? true;
    this.seed = args.seed ?? undefined;
    this.qkv = this.track(linear('qkv', 3 * this.dim, childSeed(this.seed, 0), this.qkvBias));
    this.proj = this.track(linear('proj', this.dim, childSeed(this.seed, 1)));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    this.buildSublayer(this.qkv, shape);
    this.buildSublayer(this.proj, shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const qkv = this.qkv.apply(single(inputs)) as tf.Tensor3D;
      const [b, n] = qkv.shape;
      // WebGPU: one kernel over the N tokens as a 1 x N window, straight from qkv; its gradient keeps
      // [B, heads, N, 2N] scores, so training takes it only while they stay under the bound.
      const scoreElements = b * this.numHeads * n * 2 * n;
      if (
        fusedAttentionRuns(qkv.dtype, this.dim, this.numHeads) &&
        (isInferenceCall() || scoreElements <= MAX_SCORE_ELEMENTS)
      ) {
        const grid = tf.reshape(qkv, [b, 1, n, 3 * this.dim]) as tf.Tensor4D;
        const merged = fusedGridWindowAttention(grid, null, null, this.numHeads, [1, n], 0);
        return this.proj.apply(tf.reshape(merged, [b, n, this.dim])) as tf.Tensor;
      }
      const [q, k, v] = tf.split(qkv, 3, -1) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      return this.proj.apply(multiHeadAttention(q, k, v, this.numHeads)) as tf.Tensor;
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
      qkvBias: this.qkvBias,
      seed: this.seed ?? null,
    };
  }
}
tf.serialization.registerClass(DlfSelfAttention);
