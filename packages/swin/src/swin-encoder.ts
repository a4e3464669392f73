/**
 * The Swin Transformer body encoder of BEFUnet (BEFUNET.md section 3): patch embedding then four
 * stages, returning one NHWC map per stage (the four levels, strides P, 2P, 4P, 8P).
 */
import {
  CompositeLayer,
  formatShape,
  type LayerArgs,
  RepeatedCallMemo,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { PatchEmbed } from './patch-embed.js';
import { dropPathSchedule, SWIN_TINY, type SwinConfig, validateSwinConfig } from './presets.js';
import { SwinStage } from './swin-stage.js';

export interface SwinEncoderArgs extends LayerArgs, Partial<SwinConfig> {
  /**
   * Start with the patch embedding (input: an NHWC image). When false the input is already the
   * level-1 map [B, H/P, W/P, embedDim] (as in BEFUnet's official graph, which feeds the projected
   * edge features). Defaults to true. Any field of SwinConfig left out takes its Swin-T value.
   */
  patchEmbed?: boolean;
}

/**
 * Input NHWC [B, H, W, Cin] with H, W multiples of P * 2^(stages-1) (patch merging halves the grid
 * three times; grids the window does not divide are padded and masked inside the blocks); output a list of maps [B, H/(P 2^k), W/(P 2^k), C 2^k], k = 0..stages-1.
 * Sub-layers `patch_embed`, `layers_0`.. `layers_3` (stages 1.. start with `downsample`).
 */
export class SwinEncoder extends CompositeLayer {
  static className = 'befunet>SwinEncoder';
  /** One computation per graph node although several outputs (see RepeatedCallMemo). */
  private readonly repeatedCalls = new RepeatedCallMemo();
  readonly config: SwinConfig;
  readonly patchEmbed: boolean;
  private readonly embed: PatchEmbed | null;
  private readonly stages: SwinStage[];

  constructor(args: SwinEncoderArgs = {}) {
    super(withDefaultName(args, 'swin_encoder'));
    const c: SwinConfig = {
      embedDim: args.embedDim ?? SWIN_TINY.embedDim,
      depths: [...(args.depths ?? SWIN_TINY.depths)],
      numHeads: [...(args.numHeads ?? SWIN_TINY.numHeads)],
      windowSize: args.windowSize ?? SWIN_TINY.windowSize,
      mlpRatio: args.mlpRatio ?? SWIN_TINY.mlpRatio,
      dropPathRate: args.dropPathRate ?? SWIN_TINY.dropPathRate,
      patchSize: args.patchSize ?? SWIN_TINY.patchSize,
      qkvBias: args.qkvBias ?? SWIN_TINY.qkvBias,
      dropRate: args.dropRate ?? SWIN_TINY.dropRate,
      attnDropRate: args.attnDropRate ?? SWIN_TINY.attnDropRate,
    };
    validateSwinConfig(c);
    this.config = c;
    this.patchEmbed = args.patchEmbed ?? true;
    this.embed = this.patchEmbed
      ? this.track(new PatchEmbed({ name: 'patch_embed', embedDim: c.embedDim, patchSize: c.patchSize }))
      : null;
    const rates = dropPathSchedule(c.depths, c.dropPathRate);
    this.stages = c.depths.map((depth, i) =>
      this.track(
        new SwinStage({
          name: `layers_${i}`,
          dim: c.embedDim * 2 ** Math.max(0, i - 1),
          depth,
          numHeads: c.numHeads[i]!,
          windowSize: c.windowSize,
          mlpRatio: c.mlpRatio,
          qkvBias: c.qkvBias,
          drop: c.dropRate,
          attnDrop: c.attnDropRate,
          dropPath: rates[i]!,
          downsample: i > 0,
        }),
      ),
    );
  }

  /** Channels of each level. */
  get levelDims(): number[] {
    return this.config.depths.map((_, i) => this.config.embedDim * 2 ** i);
  }

  private checkInput(shape: readonly (number | null)[]): void {
    const cin = this.patchEmbed ? null : this.config.embedDim;
    if (shape.length !== 4 || (cin != null && shape[3] !== cin)) {
      throw new ShapeError(
        `SwinEncoder input must be NHWC [B, H, W, ${cin ?? 'C'}]${this.patchEmbed ? ' (an image)' : ' (the level-1 map)'}, got ${formatShape(shape)}`,
      );
    }
    const factor = (this.patchEmbed ? this.config.patchSize : 1) * 2 ** (this.config.depths.length - 1);
    for (const d of [shape[1], shape[2]]) {
      if (d != null && d % factor !== 0) {
        throw new ShapeError(
          `SwinEncoder input height and width must be multiples of ${factor}, got ${formatShape(shape)}`,
        );
      }
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    this.checkInput(shape);
    let s = this.embed ? (this.buildSublayer(this.embed, shape) as tfl.Shape) : shape;
    for (const stage of this.stages) s = this.buildSublayer(stage, s) as tfl.Shape;
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean } = {}): tf.Tensor[] {
    return this.repeatedCalls.run(this, inputs, kwargs, () => this.encode(inputs, kwargs));
  }

  private encode(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor[] {
    const x0 = Array.isArray(inputs) ? inputs[0]! : inputs;
    this.checkInput(x0.shape);
    return tf.tidy(() => {
      let x = this.embed ? (this.embed.apply(x0) as tf.Tensor) : x0;
      const levels: tf.Tensor[] = [];
      for (const stage of this.stages) {
        x = stage.apply(x, kwargs) as tf.Tensor;
        levels.push(x);
      }
      return levels;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const [b, h, w] = inputShape as tfl.Shape;
    const p = this.patchEmbed ? this.config.patchSize : 1;
    return this.levelDims.map((c, k) => {
      const f = p * 2 ** k;
      return [b ?? null, h == null ? null : h / f, w == null ? null : w / f, c];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.config, patchEmbed: this.patchEmbed };
  }
}
tf.serialization.registerClass(SwinEncoder);
