/**
 * One Swin stage (BEFUNET.md section 3): optional patch merging first (timm layout), then `depth`
 * blocks alternating W-MSA (even blocks) and SW-MSA shifted by floor(M/2) (odd blocks).
 */
import {
  assertPositiveInteger,
  CompositeLayer,
  ConfigError,
  formatShape,
  type LayerArgs,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { PatchMerging } from './patch-merging.js';
import { SwinBlock } from './swin-block.js';

export interface SwinStageArgs extends LayerArgs {
  /** Channels of the input map. */
  dim: number;
  /** Number of blocks. */
  depth: number;
  /** Attention heads of every block. */
  numHeads: number;
  /** Window side M. Defaults to 7. */
  windowSize?: number;
  /** MLP ratio. Defaults to 4. */
  mlpRatio?: number;
  /** Bias in qkv. Defaults to true. */
  qkvBias?: boolean;
  /** Dropout rate (training). Defaults to 0. */
  drop?: number;
  /** Attention dropout rate (training). Defaults to 0. */
  attnDrop?: number;
  /** Stochastic depth: one rate for all blocks, or one per block. Defaults to 0. */
  dropPath?: number | number[];
  /** Start with a PatchMerging (dim -> 2 dim, grid halved), as timm's stages 2-4. Defaults to false. */
  downsample?: boolean;
}

/** NHWC [B, H, W, dim] -> [B, H', W', outDim]; sub-layers `downsample` (optional), `blocks_0`... */
export class SwinStage extends CompositeLayer {
  static className = 'befunet>SwinStage';
  readonly dim: number;
  readonly outDim: number;
  readonly depth: number;
  readonly numHeads: number;
  readonly windowSize: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly drop: number;
  readonly attnDrop: number;
  readonly dropPath: number[];
  readonly downsample: boolean;
  private readonly merge: PatchMerging | null;
  private readonly blocks: SwinBlock[];

  constructor(args: SwinStageArgs) {
    super(withDefaultName(args, 'swin_stage'));
    this.dim = args.dim;
    this.depth = args.depth;
    this.numHeads = args.numHeads;
    this.windowSize = args.windowSize ?? 7;
    this.mlpRatio = args.mlpRatio ?? 4;
    this.qkvBias = args.qkvBias ?? true;
    this.drop = args.drop ?? 0;
    this.attnDrop = args.attnDrop ?? 0;
    this.downsample = args.downsample ?? false;
    assertPositiveInteger(this.depth, 'SwinStage: depth');
    const dp = args.dropPath ?? 0;
    this.dropPath = Array.isArray(dp) ? [...dp] : new Array<number>(this.depth).fill(dp);
    if (this.dropPath.length !== this.depth) {
      throw new ConfigError(`SwinStage: dropPath has ${this.dropPath.length} rates for ${this.depth} blocks`);
    }
    this.outDim = this.downsample ? 2 * this.dim : this.dim;
    this.merge = this.downsample ? this.track(new PatchMerging({ name: 'downsample', dim: this.dim })) : null;
    this.blocks = this.dropPath.map((rate, i) =>
      this.track(
        new SwinBlock({
          name: `blocks_${i}`,
          dim: this.outDim,
          numHeads: this.numHeads,
          windowSize: this.windowSize,
          shiftSize: i % 2 === 1 ? Math.floor(this.windowSize / 2) : 0,
          mlpRatio: this.mlpRatio,
          qkvBias: this.qkvBias,
          drop: this.drop,
          attnDrop: this.attnDrop,
          dropPath: rate,
        }),
      ),
    );
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    if (shape.length !== 4 || shape[3] !== this.dim) {
      throw new ShapeError(`SwinStage input must be NHWC [B, H, W, ${this.dim}], got ${formatShape(shape)}`);
    }
    let s = this.merge ? (this.buildSublayer(this.merge, shape) as tfl.Shape) : shape;
    for (const block of this.blocks) s = this.buildSublayer(block, s) as tfl.Shape;
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean } = {}): tf.Tensor {
    return tf.tidy(() => {
      let x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (x.rank !== 4 || x.shape[3] !== this.dim) {
        throw new ShapeError(
          `SwinStage '${this.name}' input must be NHWC [B, H, W, ${this.dim}], got ${formatShape(x.shape)}`,
        );
      }
      if (this.merge) x = this.merge.apply(x) as tf.Tensor;
      for (const block of this.blocks) x = block.apply(x, kwargs) as tf.Tensor;
      return x;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = inputShape as tfl.Shape;
    return this.merge
      ? (this.merge.computeOutputShape(shape) as tfl.Shape)
      : [...shape.slice(0, 3), this.outDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      depth: this.depth,
      numHeads: this.numHeads,
      windowSize: this.windowSize,
      mlpRatio: this.mlpRatio,
      qkvBias: this.qkvBias,
      drop: this.drop,
      attnDrop: this.attnDrop,
      dropPath: this.dropPath,
      downsample: this.downsample,
    };
  }
}
tf.serialization.registerClass(SwinStage);
