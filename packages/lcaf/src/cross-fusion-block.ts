/**
 * The Transformer block shared by `Lcaf` and `GlobalCrossAttention` (BEFUNET.md section 4):
 *
 *   E     = edge_proj(X_edge)                  (only when the edge width Ce differs from C)
 *   A     = Concat_h[ softmax(LN_e(E) W_Q (LN_b(X_body) W_K)^T / sqrt(d_k)) LN_b(X_body) W_V ]
 *   M     = X_body + DropPath(A W_O)           (M-LCA; the residual path carries X_f = X_body)
 *   out   = M + DropPath(FFN(LN_2(M)))         (FFN: Linear(C, rC), exact GELU, Linear(rC, C))
 *
 * Subclasses decide which keys each query sees (`attend`): windows for LCAF, every token for the
 * global baseline. With the same weights (and no relative position bias) the two differ only there.
 */
import {
  assertIntegerPair,
  assertPositiveInteger,
  assertRate,
  CompositeLayer,
  ConfigError,
  DTypeError,
  formatShape,
  LayerNorm,
  Linear,
  Mlp,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { dropPath } from './attention.js';

type Kwargs = Record<string, unknown>;

export interface CrossFusionArgs {
  /** Attention heads; must divide the body width C. Required. */
  heads: number;
  /** FFN hidden width as a multiple of C. Defaults to 4. */
  mlpRatio?: number;
  /** LayerNorm epsilon. Defaults to 1e-5 (PyTorch's). */
  epsilon?: number;
  /** Drop-path (stochastic depth) rate of both residual branches, in training only. Defaults to 0. */
  dropPath?: number;
  /**
   * Grid `[H, W]` of token-sequence inputs `[B, H*W, C]`; unused for `[B, H, W, C]` inputs. It can
   * also be given per call: `layer.apply([edge, body], { grid: [H, W] })`. Defaults to none.
   */
  grid?: [number, number] | null;
  /** Layer name. */
  name?: string;
  /** Whether the weights are trainable. Defaults to true. */
  trainable?: boolean;
}

/** What the inputs say about the problem. */
export interface FusionInputInfo {
  batch: number | null;
  height: number;
  width: number;
  edgeChannels: number;
  channels: number;
  /** True for token-sequence inputs `[B, H*W, C]`. */
  tokens: boolean;
}

const kernelInitializer = () => tfl.initializers.truncatedNormal({ stddev: 0.02 });
const ffnInit = () => ({ fc1: kernelInitializer(), fc2: kernelInitializer() });

export abstract class CrossFusionBlock extends CompositeLayer {
  readonly heads: number;
  readonly mlpRatio: number;
  readonly epsilon: number;
  readonly dropPathRate: number;
  readonly grid: [number, number] | null;

  /** Widths seen at build time: edge Ce and body C. */
  protected edgeChannels = -1;
  protected channels = -1;
  private edgeProj: tfl.layers.Layer | null = null;
  private normEdge!: tfl.layers.Layer;
  private normBody!: tfl.layers.Layer;
  private q!: tfl.layers.Layer;
  private kv!: tfl.layers.Layer;
  private proj!: tfl.layers.Layer;
  private norm2!: tfl.layers.Layer;
  private mlp!: Mlp;

  constructor(args: CrossFusionArgs) {
    // tfjs derives default names from the class name, whose '>' is not valid in weight names.
    super(withDefaultName(args, snakeName(new.target as unknown as { className: string })));
    assertPositiveInteger(args.heads, `${this.kind}: heads`);
    this.heads = args.heads;
    this.mlpRatio = args.mlpRatio ?? 4;
    if (!(this.mlpRatio > 0))
      throw new ConfigError(`${this.kind}: mlpRatio must be > 0, got ${this.mlpRatio}`);
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.epsilon > 0)) throw new ConfigError(`${this.kind}: epsilon must be > 0, got ${this.epsilon}`);
    this.dropPathRate = args.dropPath ?? 0;
    assertRate(this.dropPathRate, `${this.kind}: dropPath`);
    this.grid = args.grid ? assertIntegerPair(args.grid, `${this.kind}: grid`) : null;
    this.supportsMasking = false;
  }

  /** The class name, for messages. */
  protected get kind(): string {
    return (this.constructor as unknown as { className: string }).className.replace('befunet>', '');
  }

  /**
   * Cross-attention of projected queries `q` (from the edge features) on keys `k` and values `v`
   * (from the body features), all `[B, H, W, C]`; returns the concatenated heads `[B, H, W, C]`.
   */
  protected abstract attend(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D;

  /** Builds the weights this class owns itself (before the children). */
  protected buildOwnWeights(): void {}

  /**
   * Checks a pair of input shapes `[edge, body]` (`null` batch allowed) and, once built, their
   * widths; `grid` is the per-call grid of token inputs. Unless `needGrid` (as for symbolic shapes
   * at build time), the grid may be unknown: height and width are then 0. Throws
   * ShapeError/ConfigError.
   */
  checkInputShapes(shapes: unknown, grid?: unknown, needGrid = true): FusionInputInfo {
    const kind = this.kind;
    if (!Array.isArray(shapes) || shapes.length !== 2 || !shapes.every(Array.isArray)) {
      throw new ShapeError(`${kind} expects two inputs [edge, body]`);
    }
    const [edge, body] = shapes as (number | null)[][];
    const rank = body!.length;
    if ((rank !== 3 && rank !== 4) || edge!.length !== rank) {
      throw new ShapeError(
        `${kind}: edge ${formatShape(edge!)} and body ${formatShape(body!)} must both be [B,H,W,C] or both [B,H*W,C]`,
      );
    }
    const [be, bb] = [edge![0], body![0]];
    if (be != null && bb != null && be !== bb) {
      throw new ShapeError(`${kind}: edge batch ${be} differs from body batch ${bb}`);
    }
    const edgeChannels = edge![rank - 1]!;
    const channels = body![rank - 1]!;
    let height: number;
    let width: number;
    if (rank === 4) {
      if (differ(edge![1], body![1]) || differ(edge![2], body![2])) {
        throw new ShapeError(
          `${kind}: edge grid ${edge![1]}x${edge![2]} differs from body grid ${body![1]}x${body![2]}`,
        );
      }
      [height, width] = [body![1] ?? edge![1] ?? 0, body![2] ?? edge![2] ?? 0];
    } else {
      if (differ(edge![1], body![1])) {
        throw new ShapeError(`${kind}: edge has ${edge![1]} tokens, body has ${body![1]}`);
      }
      const g = grid != null ? assertIntegerPair(grid, `${kind}: grid`) : this.grid;
      if (!g && needGrid) {
        throw new ConfigError(
          `${kind}: token inputs ${formatShape(body!)} need the grid [H, W] (the 'grid' argument or call option)`,
        );
      }
      if (g && body![1] != null && g[0] * g[1] !== body![1]) {
        throw new ShapeError(
          `${kind}: grid ${g[0]}x${g[1]} does not hold the ${body![1]} tokens of the inputs`,
        );
      }
      [height, width] = g ?? [0, 0];
    }
    // Symbolic shapes may leave the grid open (`null`): only the call needs it.
    if (!(edgeChannels > 0 && channels > 0 && (!needGrid || (height > 0 && width > 0)))) {
      throw new ShapeError(
        `${kind}: edge ${formatShape(edge!)} and body ${formatShape(body!)} need known sizes`,
      );
    }
    if (this.channels > 0 && (channels !== this.channels || edgeChannels !== this.edgeChannels)) {
      throw new ShapeError(
        `${kind}: built for edge width ${this.edgeChannels} and body width ${this.channels}, ` +
          `got ${edgeChannels} and ${channels}`,
      );
    }
    return { batch: bb ?? be ?? null, height, width, edgeChannels, channels, tokens: rank === 3 };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const info = this.checkInputShapes(inputShape, undefined, false);
    const c = info.channels;
    if (c % this.heads !== 0) {
      throw new ConfigError(`${this.kind}: heads (${this.heads}) must divide the body width ${c}`);
    }
    const hidden = Math.round(c * this.mlpRatio);
    const dense = (name: string, units: number) =>
      new Linear({ name, units, kernelInitializer: kernelInitializer() });
    const norm = (name: string) => new LayerNorm({ name, epsilon: this.epsilon });
    // Children get fixed names, so that weights are `<this>/q/kernel` and reload by name.
    if (info.edgeChannels !== c) this.edgeProj = this.track(dense('edge_proj', c));
    this.normEdge = this.track(norm('norm_edge'));
    this.normBody = this.track(norm('norm_body'));
    this.q = this.track(dense('q', c));
    this.kv = this.track(dense('kv', 2 * c));
    this.proj = this.track(dense('proj', c));
    this.norm2 = this.track(norm('norm2'));
    // The FFN's fc1 and fc2 keep their names `<this>/fc1/kernel`: the Mlp is built inline.
    this.mlp = this.track(new Mlp({ name: 'mlp', dim: c, hiddenDim: hidden, kernelInitializers: ffnInit() }));

    this.buildOwnWeights();
    // The children act on the last axis only: the grid does not matter here.
    const edgeShape: tfl.Shape = [null, null, null, info.edgeChannels];
    const bodyShape: tfl.Shape = [null, null, null, c];
    this.buildSublayer(
      this.normEdge,
      this.edgeProj ? this.buildSublayer(this.edgeProj, edgeShape) : edgeShape,
    );
    this.buildSublayer(this.normBody, bodyShape);
    this.buildSublayer(this.q, bodyShape);
    this.buildSublayer(this.kv, bodyShape);
    this.buildSublayer(this.proj, bodyShape);
    this.buildSublayer(this.norm2, bodyShape);
    this.buildSublayerInline(this.mlp, bodyShape);
    this.edgeChannels = info.edgeChannels;
    this.channels = c;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    this.checkInputShapes(inputShape, undefined, false);
    return [...(inputShape as tfl.Shape[])[1]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const info = this.checkInputShapes(
      list.map((t) => t.shape),
      kwargs.grid,
    );
    for (const [name, t] of [
      ['edge', list[0]!],
      ['body', list[1]!],
    ] as const) {
      if (t.dtype !== 'float32')
        throw new DTypeError(`${this.kind}: ${name} must be float32, got ${t.dtype}`);
    }
    const training = kwargs.training === true;
    return tf.tidy(() => {
      const { height: h, width: w, channels: c } = info;
      const b = list[1]!.shape[0]!;
      const asGrid = (t: tf.Tensor, ch: number) => tf.reshape(t, [b, h, w, ch]) as tf.Tensor4D;
      let edge = asGrid(list[0]!, info.edgeChannels);
      const body = asGrid(list[1]!, c);
      if (this.edgeProj) edge = this.edgeProj.apply(edge) as tf.Tensor4D;
      const q = this.q.apply(this.normEdge.apply(edge)) as tf.Tensor4D;
      const kv = this.kv.apply(this.normBody.apply(body)) as tf.Tensor4D;
      const [k, v] = tf.split(kv, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      const attended = this.proj.apply(this.attend(q, k, v)) as tf.Tensor4D;
      const fused = tf.add(body, dropPath(attended, this.dropPathRate, training)); // M-LCA
      const ffn = this.mlp.apply(this.norm2.apply(fused)) as tf.Tensor4D;
      const out = tf.add(fused, dropPath(ffn, this.dropPathRate, training));
      return info.tokens ? tf.reshape(out, [b, h * w, c]) : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      heads: this.heads,
      mlpRatio: this.mlpRatio,
      epsilon: this.epsilon,
      dropPath: this.dropPathRate,
      grid: this.grid,
    };
  }
}

/** Two sizes differ when both are known and unequal (`null` is a symbolic, open size). */
function differ(a: number | null | undefined, b: number | null | undefined): boolean {
  return a != null && b != null && a !== b;
}

/** `lcaf_1`, `global_cross_attention_1`, ... from `befunet>Lcaf`, `befunet>GlobalCrossAttention`. */
function snakeName(cls: { className: string }): string {
  return cls.className
    .replace(/^.*>/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
