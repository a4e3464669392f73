/**
 * LCAF: local cross-attention fusion of edge and body features (BEFUNET.md section 4).
 *
 * Queries come from the edge features, keys and values from the body features, and each query
 * attends only the tokens of its `h_l x w_l` window: the cost is linear in the number of tokens
 * (eq. 10) instead of quadratic (eq. 11, `GlobalCrossAttention`). The residual path carries the
 * body features (`M-LCA(X_f) = X_f + Concat[heads] W_O` with `X_f = X_body`), followed by the FFN
 * block `X_f = FFN(LN(M-LCA)) + M-LCA`; see `CrossFusionBlock` for the full equations.
 *
 * Inputs `[edge, body]`: `[B, H, W, Ce]` and `[B, H, W, C]`, or token sequences `[B, H*W, Ce]` and
 * `[B, H*W, C]` with the grid given. Output: the shape of `body`.
 */
import { RelativePositionBias } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { localCrossAttention } from './attention.js';
import { type CrossFusionArgs, CrossFusionBlock } from './cross-fusion-block.js';
import { cropToGrid, padToWindows, toPair, windowGeometry } from './local-windows.js';

export interface LcafArgs extends CrossFusionArgs {
  /** Window size `h_l x w_l` in tokens, `n` or `[h, w]`. Defaults to 7 (Swin's). */
  window?: number | [number, number];
  /**
   * Cyclic shift of the windows in tokens, `n` or `[h, w]`, smaller than the window; use half the
   * window in every other block for Swin-style shifted windows. Ignored along an axis whose grid
   * fits in one window. Defaults to 0.
   */
  shift?: number | [number, number];
  /**
   * Add a learned relative position bias per head to the attention logits (Swin's table of
   * `(2 h_l - 1)(2 w_l - 1)` entries). The paper's equation has none. Defaults to false.
   */
  relativePositionBias?: boolean;
}

export class Lcaf extends CrossFusionBlock {
  static className = 'befunet>Lcaf';
  readonly window: [number, number];
  readonly shift: [number, number];
  readonly relativePositionBias: boolean;
  private biasTable: tfl.LayerVariable | null = null;
  /** The bias [heads, N, N] from the table as a one-hot product (one kernel each way). */
  private readonly positionBias: RelativePositionBias;

  constructor(args: LcafArgs) {
    super(args);
    this.window = toPair(args.window ?? 7, 'Lcaf: window');
    this.shift = toPair(args.shift ?? 0, 'Lcaf: shift', true);
    windowGeometry(this.window[0], this.window[1], this.window, this.shift); // validates shift < window
    this.relativePositionBias = args.relativePositionBias ?? false;
    this.positionBias = new RelativePositionBias(this.window[0], this.window[1]);
  }

  protected override buildOwnWeights(): void {
    if (!this.relativePositionBias) return;
    const [wh, ww] = this.window;
    this.biasTable = this.addWeight(
      'relative_position_bias_table',
      [(2 * wh - 1) * (2 * ww - 1), this.heads],
      'float32',
      tfl.initializers.truncatedNormal({ stddev: 0.02 }),
    );
  }

  /** Frees the relative-position selection (rebuilt on the next call). */
  override disposeDerived(): void {
    this.positionBias.dispose();
    super.disposeDerived();
  }

  protected override attend(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
    const [, h, w] = q.shape;
    const g = windowGeometry(h, w, this.window, this.shift);
    let bias: tf.Tensor3D | undefined;
    if (this.biasTable) bias = this.positionBias.apply(this.biasTable.read());
    const out = localCrossAttention(
      padToWindows(q, g),
      padToWindows(k, g),
      padToWindows(v, g),
      g,
      this.heads,
      bias,
    );
    return cropToGrid(out, g);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      window: [...this.window],
      shift: [...this.shift],
      relativePositionBias: this.relativePositionBias,
    };
  }
}
tf.serialization.registerClass(Lcaf);
