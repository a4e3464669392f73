/**
 * One DLF block: self-attention on each level, class-token exchange, then mixing encoders that carry
 * the received class token into the patch tokens.
 *
 *   Z^l <- Enc_l^L(Z^l)            Z^s <- Enc_s^S(Z^s)                       (per-level encoders)
 *   CLS^l <- g^l(f^l(CLS^l) + MCA(LN([f^l(CLS^l) || P^s])))                  (section 5, both ways,
 *   CLS^s <- g^s(f^s(CLS^s) + MCA(LN([f^s(CLS^s) || P^l])))                   from the same Z)
 *   Z^l <- Enc_l^M([CLS^l || P^l])  Z^s <- Enc_s^M([CLS^s || P^s])            (mixing encoders)
 *
 * Inputs and outputs: `[Z^l [B, 1 + N_l, C_l], Z^s [B, 1 + N_s, C_s]]`, class token first.
 * The official block (HiFormer's) stops after the exchange, so only the class tokens change and
 * the patch tokens the decoder reads never see the other level; the mixing encoders (at least one)
 * are what makes this block fuse.
 */
import { CompositeLayer, formatShape, RepeatedCallMemo, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkHeads } from './attention.js';
import { ClsCrossAttention } from './cls-cross-attention.js';
import { childSeed } from './seeds.js';
import { TransformerEncoder } from './transformer-encoder.js';
import { type LayerArgs, nonNegativeInt, positiveInt, withDefaultName } from './types.js';

export interface DlfBlockArgs extends LayerArgs {
  /** Width C_l of the large level. */
  largeDim: number;
  /** Width C_s of the small level. */
  smallDim: number;
  /** Heads of attention at width C_l (the large level's encoders and the small class token's visit). */
  largeHeads: number;
  /** Heads of attention at width C_s (the small level's encoders and the large class token's visit). */
  smallHeads: number;
  /** L: encoders on the large level before the exchange. Defaults to 1. */
  largeDepth?: number;
  /** S: encoders on the small level before the exchange. Defaults to 2. */
  smallDepth?: number;
  /** Encoders per level after the exchange, at least 1. Defaults to 1. */
  mixDepth?: number;
  /** MLP hidden width over token width. Defaults to 2. */
  mlpRatio?: number;
  /** Bias on query/key/value projections. Defaults to true. */
  qkvBias?: boolean;
  /** Seed of the weight initialisers; unseeded when omitted. */
  seed?: number | null;
}

export class DlfBlock extends CompositeLayer {
  static className = 'befunet>DlfBlock';
  /** One computation per graph node although several outputs (see RepeatedCallMemo). */
  private readonly repeatedCalls = new RepeatedCallMemo();
  readonly largeDim: number;
  readonly smallDim: number;
  readonly largeHeads: number;
  readonly smallHeads: number;
  readonly largeDepth: number;
  readonly smallDepth: number;
  readonly mixDepth: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly seed: number | undefined;
  private readonly encLarge: TransformerEncoder[] = [];
  private readonly encSmall: TransformerEncoder[] = [];
  private readonly crossLarge: ClsCrossAttention;
  private readonly crossSmall: ClsCrossAttention;
  private readonly mixLarge: TransformerEncoder[] = [];
  private readonly mixSmall: TransformerEncoder[] = [];

  constructor(args: DlfBlockArgs) {
    super(withDefaultName(args, 'dlf_block'));
    this.largeDim = positiveInt(args.largeDim, 'largeDim');
    this.smallDim = positiveInt(args.smallDim, 'smallDim');
    this.largeHeads = args.largeHeads;
    this.smallHeads = args.smallHeads;
    checkHeads(this.largeDim, this.largeHeads, 'largeHeads');
    checkHeads(this.smallDim, this.smallHeads, 'smallHeads');
    this.largeDepth = nonNegativeInt(args.largeDepth ?? 1, 'largeDepth');
    this.smallDepth = nonNegativeInt(args.smallDepth ?? 2, 'smallDepth');
    this.mixDepth = positiveInt(args.mixDepth ?? 1, 'mixDepth (encoders after the exchange)');
    this.mlpRatio = args.mlpRatio ?? 2;
    this.qkvBias = args.qkvBias ?? true;
    this.seed = args.seed ?? undefined;
    let k = 0;
    const s = () => childSeed(this.seed, k++);
    const { mlpRatio, qkvBias } = this;
    const large = (name: string) =>
      new TransformerEncoder({
        name,
        dim: this.largeDim,
        numHeads: this.largeHeads,
        mlpRatio,
        qkvBias,
        seed: s(),
      });
    const small = (name: string) =>
      new TransformerEncoder({
        name,
        dim: this.smallDim,
        numHeads: this.smallHeads,
        mlpRatio,
        qkvBias,
        seed: s(),
      });
    for (let i = 0; i < this.largeDepth; i++) this.encLarge.push(this.track(large(`enc_l_${i}`)));
    for (let i = 0; i < this.smallDepth; i++) this.encSmall.push(this.track(small(`enc_s_${i}`)));
    this.crossLarge = this.track(
      new ClsCrossAttention({
        name: 'cross_l',
        dim: this.largeDim,
        otherDim: this.smallDim,
        numHeads: this.smallHeads,
        qkvBias,
        seed: s(),
      }),
    );
    this.crossSmall = this.track(
      new ClsCrossAttention({
        name: 'cross_s',
        dim: this.smallDim,
        otherDim: this.largeDim,
        numHeads: this.largeHeads,
        qkvBias,
        seed: s(),
      }),
    );
    for (let i = 0; i < this.mixDepth; i++) this.mixLarge.push(this.track(large(`mix_l_${i}`)));
    for (let i = 0; i < this.mixDepth; i++) this.mixSmall.push(this.track(small(`mix_s_${i}`)));
  }

  private checkShapes(shapes: readonly (readonly (number | null)[])[]): void {
    const ok = (s: readonly (number | null)[] | undefined, dim: number) =>
      s !== undefined && s.length === 3 && s[2] === dim && (s[1] == null || s[1] >= 2);
    if (shapes.length !== 2 || !ok(shapes[0], this.largeDim) || !ok(shapes[1], this.smallDim)) {
      throw new ShapeError(
        `DlfBlock takes [[B,1+N_l,${this.largeDim}], [B,1+N_s,${this.smallDim}]], ` +
          `got [${shapes.map((s) => formatShape(s)).join(', ')}]`,
      );
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [large, small] = inputShape as [tfl.Shape, tfl.Shape];
    this.checkShapes([large, small]);
    const patches = (s: tfl.Shape): tfl.Shape => [s[0]!, s[1] == null ? null : s[1] - 1, s[2]!];
    const cls = (s: tfl.Shape): tfl.Shape => [s[0]!, 1, s[2]!];
    for (const e of [...this.encLarge, ...this.mixLarge]) this.buildSublayer(e, large);
    for (const e of [...this.encSmall, ...this.mixSmall]) this.buildSublayer(e, small);
    this.buildSublayer(this.crossLarge, [cls(large), patches(small)]);
    this.buildSublayer(this.crossSmall, [cls(small), patches(large)]);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return this.repeatedCalls.run(this, inputs, {}, () => this.exchange(inputs));
  }

  private exchange(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    const [zl0, zs0] = inputs as [tf.Tensor3D, tf.Tensor3D];
    this.checkShapes([zl0.shape, zs0.shape]);
    return tf.tidy(() => {
      const run = (z: tf.Tensor, encoders: TransformerEncoder[]) =>
        encoders.reduce((acc, e) => e.apply(acc) as tf.Tensor, z) as tf.Tensor3D;
      const zl = run(zl0, this.encLarge);
      const zs = run(zs0, this.encSmall);
      const cls = (z: tf.Tensor3D) => tf.slice(z, [0, 0, 0], [-1, 1, -1]);
      const patches = (z: tf.Tensor3D) => tf.slice(z, [0, 1, 0], [-1, -1, -1]);
      const [pl, ps] = [patches(zl), patches(zs)];
      const clsL = this.crossLarge.apply([cls(zl), ps]) as tf.Tensor3D;
      const clsS = this.crossSmall.apply([cls(zs), pl]) as tf.Tensor3D;
      return [run(tf.concat([clsL, pl], 1), this.mixLarge), run(tf.concat([clsS, ps], 1), this.mixSmall)];
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    return inputShape as tfl.Shape[];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      largeDim: this.largeDim,
      smallDim: this.smallDim,
      largeHeads: this.largeHeads,
      smallHeads: this.smallHeads,
      largeDepth: this.largeDepth,
      smallDepth: this.smallDepth,
      mixDepth: this.mixDepth,
      mlpRatio: this.mlpRatio,
      qkvBias: this.qkvBias,
      seed: this.seed ?? null,
    };
  }
}
tf.serialization.registerClass(DlfBlock);
