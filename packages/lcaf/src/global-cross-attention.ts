/**
 * Global cross-attention with the weights of `Lcaf` (BEFUNET.md section 4, eq. 11): the same
 * block (edge projection, LayerNorms, W_Q, W_K, W_V, W_O, residual, FFN), but every edge query
 * attends every body token. Quadratic in the number of tokens; it is the reference LCAF must
 * equal when one window covers the whole map, and the baseline of the benchmark.
 *
 * Weights match an `Lcaf` without relative position bias one to one, in the same order:
 * `global.setWeights(lcaf.getWeights())`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { globalCrossAttention } from './attention.js';
import { type CrossFusionArgs, CrossFusionBlock } from './cross-fusion-block.js';

export type GlobalCrossAttentionArgs = CrossFusionArgs;

export class GlobalCrossAttention extends CrossFusionBlock {
  static className = 'befunet>GlobalCrossAttention';

  protected override attend(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w, c] = q.shape;
    const tokens = (t: tf.Tensor4D) => tf.reshape(t, [b, h * w, c]) as tf.Tensor3D;
    return tf.reshape(globalCrossAttention(tokens(q), tokens(k), tokens(v), this.heads), [b, h, w, c]);
  }
}
tf.serialization.registerClass(GlobalCrossAttention);
