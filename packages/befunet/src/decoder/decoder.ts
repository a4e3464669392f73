/**
 * The BEFUnet decoder (section 6 of BEFUNET.md; the official code's HiFormer decoder):
 *
 *   large = ReLU(GN(Conv3x3(P_large)))                                  (H/4)
 *   small = 3 x [ReLU(GN(Conv3x3(.))) -> 2x up](P_small)                (H/32 -> H/4)
 *   logits = Conv3x3_head( 4x up( ReLU( Conv1x1(large + small) ) ) )    (H)
 *
 * Inputs are NHWC feature maps: [large [B, h, w, Cl], small [B, h/8, w/8, Cs]].
 */

import {
  assertRank,
  CompositeLayer,
  ConfigError,
  type LayerArgs,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConvUpsample } from './conv-upsample.js';
import { upsampleBilinear } from './upsample.js';

export interface DecoderArgs extends LayerArgs {
  /** Classes, one logit map each. */
  numClasses: number;
  /** Width of both branches. Defaults to 128. */
  width?: number;
  /** Channels after the 1x1 reduction. Defaults to 16. */
  predChannels?: number;
  /** Upsampling rounds of the small branch (grid ratio 2^rounds). Defaults to 3. */
  smallRounds?: number;
  /** Final upsampling factor (the large level's stride). Defaults to 4. */
  outputStride?: number;
  /** GroupNorm groups. Defaults to 32. */
  groups?: number;
}

/** The decoder's intermediate maps, for inspection and parity tests. */
export interface DecoderTaps {
  large: tf.Tensor4D;
  small: tf.Tensor4D;
  logits: tf.Tensor4D;
}

export class Decoder extends CompositeLayer {
  static className = 'befunet>Decoder';
  readonly numClasses: number;
  readonly width: number;
  readonly predChannels: number;
  readonly smallRounds: number;
  readonly outputStride: number;
  readonly groups: number;
  readonly convUpLarge: ConvUpsample;
  readonly convUpSmall: ConvUpsample;
  private readonly convPred: tfl.layers.Layer;
  private readonly head: tfl.layers.Layer;

  constructor(args: DecoderArgs) {
    super(withDefaultName(args, 'decoder'));
    if (!Number.isInteger(args.numClasses) || args.numClasses < 1) {
      throw new ConfigError(`Decoder numClasses must be a positive integer, got ${args.numClasses}`);
    }
    this.numClasses = args.numClasses;
    this.width = args.width ?? 128;
    this.predChannels = args.predChannels ?? 16;
    this.smallRounds = args.smallRounds ?? 3;
    this.outputStride = args.outputStride ?? 4;
    this.groups = args.groups ?? 32;
    const tower = { filters: this.width, groups: this.groups };
    this.convUpLarge = this.track(
      new ConvUpsample({ ...tower, rounds: 1, upsample: false, name: 'convUpLarge' }),
    );
    this.convUpSmall = this.track(
      new ConvUpsample({ ...tower, rounds: this.smallRounds, upsample: true, name: 'convUpSmall' }),
    );
    this.convPred = this.track(
      tfl.layers.conv2d({ filters: this.predChannels, kernelSize: 1, name: 'convPred' }),
    );
    this.head = this.track(
      tfl.layers.conv2d({
        filters: this.numClasses,
        kernelSize: 3,
        padding: 'same',
        name: 'segmentationHead',
      }),
    );
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [large, small] = this.checkShapes(inputShape);
    const merged = this.buildSublayer(this.convUpLarge, large) as tfl.Shape;
    this.buildSublayer(this.convUpSmall, small);
    const reduced = this.buildSublayer(this.convPred, merged) as tfl.Shape;
    this.buildSublayer(this.head, [reduced[0]!, null, null, this.predChannels]);
    this.built = true;
  }

  /** The two branches and the logits (tensors the caller owns). */
  forwardWithTaps(large: tf.Tensor4D, small: tf.Tensor4D): DecoderTaps {
    this.checkShapes([large.shape, small.shape]);
    return tf.tidy(() => {
      const l = this.convUpLarge.apply(large) as tf.Tensor4D;
      const s = this.convUpSmall.apply(small) as tf.Tensor4D;
      const reduced = tf.relu(this.convPred.apply(tf.add(l, s)) as tf.Tensor4D);
      const logits = this.head.apply(upsampleBilinear(reduced, this.outputStride)) as tf.Tensor4D;
      return { large: l, small: s, logits };
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw new ShapeError(
        `Decoder '${this.name}' takes two inputs [large, small], got ${Array.isArray(inputs) ? inputs.length : 1}`,
      );
    }
    return tf.tidy(() => {
      const taps = this.forwardWithTaps(inputs[0] as tf.Tensor4D, inputs[1] as tf.Tensor4D);
      return taps.logits;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [[b, h, w]] = this.checkShapes(inputShape);
    const s = this.outputStride;
    return [b!, h == null ? null : h * s, w == null ? null : w * s, this.numClasses];
  }

  /** Checks ranks and that the small grid times 2^smallRounds is the large grid. */
  private checkShapes(inputShape: tfl.Shape | tfl.Shape[] | number[][]): [tfl.Shape, tfl.Shape] {
    const shapes = inputShape as tfl.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new ShapeError(`Decoder '${this.name}' takes two inputs [large, small]`);
    }
    const [large, small] = shapes as [tfl.Shape, tfl.Shape];
    assertRank({ shape: large }, 4, `Decoder '${this.name}' large input`);
    assertRank({ shape: small }, 4, `Decoder '${this.name}' small input`);
    const f = 2 ** this.smallRounds;
    for (const axis of [1, 2]) {
      const l = large[axis];
      const s = small[axis];
      if (l != null && s != null && s * f !== l) {
        throw new ShapeError(
          `Decoder '${this.name}': the small grid [${small.slice(1, 3).join(',')}] x ${f} must equal the large grid [${large.slice(1, 3).join(',')}]`,
        );
      }
    }
    return [large, small];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numClasses: this.numClasses,
      width: this.width,
      predChannels: this.predChannels,
      smallRounds: this.smallRounds,
      outputStride: this.outputStride,
      groups: this.groups,
    };
  }
}
tf.serialization.registerClass(Decoder);
