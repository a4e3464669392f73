/**
 * DLF, dual-level fusion (BEFUNET.md section 5), in a form whose fusion reaches the decoder.
 *
 *   P^l [B, H_l, W_l, C_l] (or [B, H_l W_l, C_l])      the large level (level 1, H/4, width C)
 *   P^s [B, H_s, W_s, C_s] (or [B, H_s W_s, C_s])      the small level (level 4, H/32, width 8C)
 *
 *   Z = [GAP(LN(P)) || P] + E_pos                       per level (class-token.ts)
 *   Z^l, Z^s <- DlfBlock(Z^l, Z^s), numBlocks times      (dlf-block.ts: encoders, class-token
 *                                                          exchange, mixing encoders)
 *   Z <- LN(Z)                                           per level
 *
 * Outputs: the patch tokens of both levels in their input layout and width, then (unless
 * `returnClassTokens` is false) the two class tokens [B, C_l] and [B, C_s].
 */
import {
  assertIntegerPair,
  CompositeLayer,
  ConfigError,
  DTypeError,
  formatShape,
  RepeatedCallMemo,
  ShapeError,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkHeads } from './attention.js';
import { ClassTokenEmbed } from './class-token.js';
import { DlfBlock } from './dlf-block.js';
import { DlfLayerNorm } from './layer-norm.js';
import { childSeed } from './seeds.js';
import { type LayerArgs, nonNegativeInt, positiveInt, withDefaultName } from './types.js';

export interface DlfArgs extends LayerArgs {
  /** Width C_l of the large level P^l (C = 96 for Swin-T's level 1). */
  largeDim: number;
  /** Width C_s of the small level P^s (8C = 768 for Swin-T's level 4). */
  smallDim: number;
  /** Token grid [H_l, W_l] of the large level (56 x 56 for a 224 input); sizes its position embedding. */
  largeGrid: [number, number];
  /** Token grid [H_s, W_s] of the small level (7 x 7 for a 224 input). */
  smallGrid: [number, number];
  /** Heads of every attention at width C_l. Defaults to 6 (HiFormer's DLF; head width 16 at C = 96). */
  largeHeads?: number;
  /** Heads of every attention at width C_s. Defaults to 12 (HiFormer's DLF; head width 64 at 8C = 768). */
  smallHeads?: number;
  /** L: large-level encoders per block before the exchange. Defaults to 1 (HiFormer's DLF). */
  largeDepth?: number;
  /** S: small-level encoders per block before the exchange. Defaults to 2 (HiFormer's DLF). */
  smallDepth?: number;
  /** Encoders per level and block after the exchange (at least 1; they carry the fusion to the patch tokens). Defaults to 1. */
  mixDepth?: number;
  /** Number of stacked DLF blocks. Defaults to 1 (HiFormer's DLF). */
  numBlocks?: number;
  /** MLP hidden width over token width, in every encoder. Defaults to 2 (HiFormer's DLF). */
  mlpRatio?: number;
  /** Bias on the query/key/value projections. Defaults to true. */
  qkvBias?: boolean;
  /** Return the two class tokens after the patch tokens. Defaults to true. */
  returnClassTokens?: boolean;
  /** Seed of every weight initialiser (the same seed gives the same weights on every backend); unseeded when omitted. */
  seed?: number | null;
}

type ShapeLike = readonly (number | null)[];

/** Where a level's input was given as a map [B, H, W, C] (rank 4) or tokens [B, H W, C] (rank 3). */
function checkLevel(shape: ShapeLike | undefined, grid: [number, number], dim: number, what: string): void {
  const [h, w] = grid;
  const asMap = [null, h, w, dim];
  const asTokens = [null, h * w, dim];
  const fits = (e: (number | null)[]) =>
    shape !== undefined &&
    shape.length === e.length &&
    e.every((d, i) => d == null || shape[i] == null || d === shape[i]);
  if (!fits(asMap) && !fits(asTokens)) {
    throw new ShapeError(
      `${what} must have shape ${formatShape(asMap)} or ${formatShape(asTokens)} ` +
        `(grid [${h},${w}], width ${dim} from the configuration), got ${shape ? formatShape(shape) : 'nothing'}`,
    );
  }
}

export class Dlf extends CompositeLayer {
  static className = 'befunet>Dlf';
  /** One computation per graph node although several outputs (see RepeatedCallMemo). */
  private readonly repeatedCalls = new RepeatedCallMemo();
  readonly largeDim: number;
  readonly smallDim: number;
  readonly largeGrid: [number, number];
  readonly smallGrid: [number, number];
  readonly largeHeads: number;
  readonly smallHeads: number;
  readonly largeDepth: number;
  readonly smallDepth: number;
  readonly mixDepth: number;
  readonly numBlocks: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly returnClassTokens: boolean;
  readonly seed: number | undefined;
  private readonly embedLarge: ClassTokenEmbed;
  private readonly embedSmall: ClassTokenEmbed;
  private readonly blocks: DlfBlock[] = [];
  private readonly normLarge: DlfLayerNorm;
  private readonly normSmall: DlfLayerNorm;

  constructor(args: DlfArgs) {
    super(withDefaultName(args, 'dlf'));
    this.largeDim = positiveInt(args.largeDim, 'largeDim');
    this.smallDim = positiveInt(args.smallDim, 'smallDim');
    this.largeGrid = assertIntegerPair(args.largeGrid, 'largeGrid');
    this.smallGrid = assertIntegerPair(args.smallGrid, 'smallGrid');
    this.largeHeads = args.largeHeads ?? 6;
    this.smallHeads = args.smallHeads ?? 12;
    checkHeads(this.largeDim, this.largeHeads, 'largeHeads');
    checkHeads(this.smallDim, this.smallHeads, 'smallHeads');
    this.largeDepth = nonNegativeInt(args.largeDepth ?? 1, 'largeDepth');
    this.smallDepth = nonNegativeInt(args.smallDepth ?? 2, 'smallDepth');
    this.mixDepth = positiveInt(args.mixDepth ?? 1, 'mixDepth (encoders after the exchange)');
    this.numBlocks = positiveInt(args.numBlocks ?? 1, 'numBlocks');
    this.mlpRatio = args.mlpRatio ?? 2;
    if (!(this.mlpRatio > 0)) throw new ConfigError(`mlpRatio must be positive, got ${this.mlpRatio}`);
    this.qkvBias = args.qkvBias ?? true;
    this.returnClassTokens = args.returnClassTokens ?? true;
    this.seed = args.seed ?? undefined;

    const s = (i: number) => childSeed(this.seed, i);
    const numTokens = (g: [number, number]) => g[0] * g[1];
    this.embedLarge = this.track(
      new ClassTokenEmbed({
        name: 'embed_l',
        dim: this.largeDim,
        numTokens: numTokens(this.largeGrid),
        seed: s(0),
      }),
    );
    this.embedSmall = this.track(
      new ClassTokenEmbed({
        name: 'embed_s',
        dim: this.smallDim,
        numTokens: numTokens(this.smallGrid),
        seed: s(1),
      }),
    );
    for (let b = 0; b < this.numBlocks; b++) {
      this.blocks.push(
        this.track(
          new DlfBlock({
            name: `blocks_${b}`,
            largeDim: this.largeDim,
            smallDim: this.smallDim,
            largeHeads: this.largeHeads,
            smallHeads: this.smallHeads,
            largeDepth: this.largeDepth,
            smallDepth: this.smallDepth,
            mixDepth: this.mixDepth,
            mlpRatio: this.mlpRatio,
            qkvBias: this.qkvBias,
            seed: s(2 + b),
          }),
        ),
      );
    }
    this.normLarge = this.track(new DlfLayerNorm({ name: 'norm_l' }));
    this.normSmall = this.track(new DlfLayerNorm({ name: 'norm_s' }));
  }

  /** Throws a ShapeError unless the inputs are [P^l, P^s] of the configured grids and widths. */
  checkInputShapes(shapes: readonly ShapeLike[]): void {
    if (shapes.length !== 2) {
      throw new ShapeError(`Dlf takes two inputs [largeLevel, smallLevel], got ${shapes.length}`);
    }
    checkLevel(shapes[0], this.largeGrid, this.largeDim, 'largeLevel (P^l)');
    checkLevel(shapes[1], this.smallGrid, this.smallDim, 'smallLevel (P^s)');
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as tfl.Shape[]) : [inputShape as tfl.Shape];
    this.checkInputShapes(shapes);
    const batch = shapes[0]![0]!;
    const nl = this.largeGrid[0] * this.largeGrid[1];
    const ns = this.smallGrid[0] * this.smallGrid[1];
    const zl = this.buildSublayer(this.embedLarge, [batch, nl, this.largeDim]) as tfl.Shape;
    const zs = this.buildSublayer(this.embedSmall, [batch, ns, this.smallDim]) as tfl.Shape;
    for (const block of this.blocks) this.buildSublayer(block, [zl, zs]);
    this.buildSublayer(this.normLarge, zl);
    this.buildSublayer(this.normSmall, zs);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return this.repeatedCalls.run(this, inputs, {}, () => this.fuse(inputs));
  }

  private fuse(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.checkInputShapes(list.map((t) => t.shape));
    for (const [i, t] of list.entries()) {
      if (t.dtype !== 'float32') {
        throw new DTypeError(
          `${i === 0 ? 'largeLevel' : 'smallLevel'} must have dtype float32, got ${t.dtype}`,
        );
      }
    }
    const [large, small] = list as [tf.Tensor, tf.Tensor];
    return tf.tidy(() => {
      const tokens = (t: tf.Tensor, dim: number) => tf.reshape(t, [t.shape[0]!, -1, dim]) as tf.Tensor3D;
      let zl = this.embedLarge.apply(tokens(large, this.largeDim)) as tf.Tensor;
      let zs = this.embedSmall.apply(tokens(small, this.smallDim)) as tf.Tensor;
      for (const block of this.blocks) [zl, zs] = block.apply([zl, zs]) as [tf.Tensor, tf.Tensor];
      zl = this.normLarge.apply(zl) as tf.Tensor;
      zs = this.normSmall.apply(zs) as tf.Tensor;
      // Back to each input's layout, class token removed.
      const patches = (z: tf.Tensor, like: tf.Tensor) =>
        tf.reshape(tf.slice(z, [0, 1, 0], [-1, -1, -1]), like.shape);
      const cls = (z: tf.Tensor) => tf.squeeze(tf.slice(z, [0, 0, 0], [-1, 1, -1]), [1]);
      const out = [patches(zl, large), patches(zs, small)];
      return this.returnClassTokens ? [...out, cls(zl), cls(zs)] : out;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const shapes = inputShape as tfl.Shape[];
    this.checkInputShapes(shapes);
    const [large, small] = shapes as [tfl.Shape, tfl.Shape];
    const out = [large, small];
    return this.returnClassTokens ? [...out, [large[0]!, this.largeDim], [small[0]!, this.smallDim]] : out;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      largeDim: this.largeDim,
      smallDim: this.smallDim,
      largeGrid: [...this.largeGrid],
      smallGrid: [...this.smallGrid],
      largeHeads: this.largeHeads,
      smallHeads: this.smallHeads,
      largeDepth: this.largeDepth,
      smallDepth: this.smallDepth,
      mixDepth: this.mixDepth,
      numBlocks: this.numBlocks,
      mlpRatio: this.mlpRatio,
      qkvBias: this.qkvBias,
      returnClassTokens: this.returnClassTokens,
      seed: this.seed ?? null,
    };
  }
}
tf.serialization.registerClass(Dlf);
