/**
 * Window multi-head self-attention with a learned relative position bias (BEFUNET.md section 3):
 * softmax(Q K^T / sqrt(d) + B + mask) V inside each M x M window, all windows and heads in one
 * batched matmul.
 */
import {
  assertPositiveInteger,
  assertRate,
  attentionCore,
  CompositeLayer,
  ConfigError,
  DerivedTensorCache,
  dropout,
  formatShape,
  isInferenceCall,
  type LayerArgs,
  Linear,
  RelativePositionBias,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import {
  canFuseWindowAttention,
  fusedAttentionRuns,
  fusedGridWindowAttention,
  fusedWindowAttention,
} from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface WindowAttentionArgs extends LayerArgs {
  /** Channels C of the input tokens. */
  dim: number;
  /** Number of attention heads; must divide the channel count. */
  numHeads: number;
  /** Whether the fused q, k, v projection has a bias. Defaults to true. */
  qkvBias?: boolean;
  /** Dropout rate on the attention weights (training only). Defaults to 0. */
  attnDrop?: number;
  /** Dropout rate after the output projection (training only). Defaults to 0. */
  projDrop?: number;
}

/** Keyword arguments of {@link WindowAttention.call}. */
export interface WindowAttentionKwargs {
  /** Additive mask [nW, N, N]; the input's leading dimension must be a multiple of nW. */
  mask?: tf.Tensor;
  training?: boolean;
}

/**
 * Attention core. q, k, v: [Bw, heads, N, d]; bias: [heads, N, N]; mask: [nW, N, N] or null.
 * Returns [Bw, heads, N, d].
 */
export function windowAttentionScores(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor3D,
  mask: tf.Tensor | null,
  attnDrop = 0,
): tf.Tensor4D {
  // softmax(Q K^T d^-1/2 + B + mask) V, BEFUNET.md section 3.
  return attentionCore(q, k, v, { scale: q.shape[3] ** -0.5, bias, mask, attnDrop });
}

/**
 * Input [Bw, N, C]: Bw windows of N = M^2 tokens; the window side M is read from N. Output has the
 * same shape. Sub-layers `qkv` (C -> 3C) and `proj` (C -> C); own weight
 * `relative_position_bias_table` [(2M-1)^2, heads]; the relative index is rebuilt, not saved.
 */
export class WindowAttention extends CompositeLayer {
  static className = 'befunet>WindowAttention';
  readonly dim: number;
  readonly numHeads: number;
  readonly qkvBias: boolean;
  readonly attnDrop: number;
  readonly projDrop: number;
  private readonly qkv: tfl.layers.Layer;
  private readonly proj: tfl.layers.Layer;
  private table!: tfl.LayerVariable;
  private positionBias: RelativePositionBias | null = null;
  private readonly biasCache = new DerivedTensorCache<tf.Tensor3D>();
  private windowSide = 0;

  constructor(args: WindowAttentionArgs) {
    super(withDefaultName(args, 'window_attention'));
    assertPositiveInteger(args.numHeads, 'WindowAttention: numHeads');
    assertPositiveInteger(args.dim, 'WindowAttention: dim');
    if (args.dim % args.numHeads !== 0) {
      throw new ConfigError(
        `WindowAttention: dim must be a positive multiple of numHeads (${args.numHeads}), got ${args.dim}`,
      );
    }
    this.dim = args.dim;
    this.numHeads = args.numHeads;
    this.qkvBias = args.qkvBias ?? true;
    this.attnDrop = args.attnDrop ?? 0;
    this.projDrop = args.projDrop ?? 0;
    assertRate(this.attnDrop, 'WindowAttention: attnDrop');
    assertRate(this.projDrop, 'WindowAttention: projDrop');
    const init = () => tfl.initializers.truncatedNormal({ stddev: 0.02 });
    this.qkv = this.track(
      new Linear({
        units: 3 * args.dim,
        name: 'qkv',
        useBias: this.qkvBias,
        kernelInitializer: init(),
      }),
    );
    this.proj = this.track(new Linear({ units: args.dim, name: 'proj', kernelInitializer: init() }));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const [, n, c] = shape;
    const m = Math.round(Math.sqrt(n ?? 0));
    if (shape.length !== 3 || n == null || c == null || m * m !== n) {
      throw new ShapeError(
        `WindowAttention input must be [windows, M*M, channels] with a known square token count, got ${formatShape(shape)}`,
      );
    }
    if (c !== this.dim) {
      throw new ShapeError(
        `WindowAttention input must have ${this.dim} channels (dim), got ${formatShape(shape)}`,
      );
    }
    this.windowSide = m;
    this.table = this.addWeight(
      'relative_position_bias_table',
      [(2 * m - 1) ** 2, this.numHeads],
      'float32',
      tfl.initializers.truncatedNormal({ stddev: 0.02 }),
    );
    this.buildSublayer(this.qkv, shape);
    this.buildSublayer(this.proj, shape);
    this.built = true;
  }

  /** The relative position bias [heads, N, N] from the table (a one-hot product: one kernel each way). */
  relativePositionBias(): tf.Tensor3D {
    this.positionBias ??= new RelativePositionBias(this.windowSide);
    return this.positionBias.apply(this.table.read());
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: WindowAttentionKwargs = {}): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [bw, n, c] = x.shape as [number, number, number];
      const mask = kwargs.mask ?? null;
      if (
        mask &&
        (mask.rank !== 3 || mask.shape[1] !== n || mask.shape[2] !== n || bw % mask.shape[0]! !== 0)
      ) {
        throw new ShapeError(
          `WindowAttention mask must be [nW, ${n}, ${n}] with nW dividing ${bw}, got ${formatShape(mask.shape)}`,
        );
      }
      const heads = this.numHeads;
      const d = c / heads;
      const projected = this.qkv.apply(x) as tf.Tensor3D;
      const training = kwargs.training ?? false;
      const inference = isInferenceCall(kwargs);
      // Inference reuses the bias gathered from the table's current value, and runs the attention
      // core as one kernel where it can.
      const bias = inference
        ? this.biasCache.get(this.table.read(), () => this.relativePositionBias())
        : this.relativePositionBias();
      let merged: tf.Tensor;
      if (canFuseWindowAttention(projected, heads) && !(training && this.attnDrop > 0)) {
        merged = fusedWindowAttention(projected, bias, mask, heads);
      } else {
        // qkv channel layout: (q|k|v, head, d), as the official reshape(B, N, 3, heads, d).
        const qkv = tf.transpose(tf.reshape(projected, [bw, n, 3, heads, d]), [2, 0, 3, 1, 4]);
        const [q, k, v] = tf.unstack(qkv, 0) as tf.Tensor4D[];
        const out = windowAttentionScores(q!, k!, v!, bias, mask, training ? this.attnDrop : 0);
        merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [bw, n, c]);
      }
      let y = this.proj.apply(merged) as tf.Tensor;
      if (training && this.projDrop > 0) y = dropout(y, this.projDrop);
      return y;
    });
  }

  /**
   * Whether {@link attendOnGrid} runs for a call with these kwargs on an [B, H, W, C] grid: the
   * fused kernel runs here (WebGPU, float32, head width divisible by 4), windows of side `window`
   * tile the grid, and no attention dropout is due (the kernel has none).
   */
  canAttendOnGrid(grid: tf.Tensor, window: number, kwargs: { training?: boolean } = {}): boolean {
    const [, h, w, c] = grid.shape;
    return (
      grid.rank === 4 &&
      c === this.dim &&
      window === this.windowSide &&
      h! % window === 0 &&
      w! % window === 0 &&
      (kwargs.training !== true || this.attnDrop === 0) &&
      fusedAttentionRuns(grid.dtype, this.dim, this.numHeads)
    );
  }

  /**
   * Window attention straight on the grid [B, H, W, C] (normalised tokens): qkv projection,
   * shifted-window attention in one kernel (fusedGridWindowAttention, with its gradient) and the
   * output projection (and its dropout in training), [B, H, W, C]. The same as shift, window
   * partition, `call` on the windows, reverse and shift back, without the four copies and their
   * gradients. Only where {@link canAttendOnGrid}.
   */
  attendOnGrid(
    grid: tf.Tensor4D,
    shift: number,
    mask: tf.Tensor3D | null,
    kwargs: { training?: boolean } = {},
  ): tf.Tensor4D {
    return tf.tidy(() => {
      const projected = this.qkv.apply(grid) as tf.Tensor4D;
      const bias = isInferenceCall(kwargs)
        ? this.biasCache.get(this.table.read(), () => this.relativePositionBias())
        : this.relativePositionBias();
      const merged = fusedGridWindowAttention(projected, bias, mask, this.numHeads, this.windowSide, shift);
      let y = this.proj.apply(merged) as tf.Tensor4D;
      if (kwargs.training && this.projDrop > 0) y = dropout(y, this.projDrop) as tf.Tensor4D;
      return y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  /** Frees the derived relative-position selection and cached bias (rebuilt on the next call). */
  override disposeDerived(): void {
    this.positionBias?.dispose();
    this.positionBias = null;
    this.biasCache.dispose();
    super.disposeDerived();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      numHeads: this.numHeads,
      qkvBias: this.qkvBias,
      attnDrop: this.attnDrop,
      projDrop: this.projDrop,
    };
  }
}
tf.serialization.registerClass(WindowAttention);
