/**
 * A tower of `rounds` x (Conv3x3 without bias -> GroupNorm -> ReLU [-> 2x bilinear upsampling]):
 * the decoder's branch for one encoder level (section 6 of BEFUNET.md; HiFormer's `ConvUpsample`).
 */

import { CompositeLayer, ConfigError, type LayerArgs, withDefaultName } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { GroupNorm } from '../layers/group-norm.js';
import { upsampleBilinear } from './upsample.js';

export interface ConvUpsampleArgs extends LayerArgs {
  /** Output channels of every conv. Defaults to 128. */
  filters?: number;
  /** Number of conv rounds. Defaults to 1. */
  rounds?: number;
  /** Upsample 2x after every round. Defaults to true. */
  upsample?: boolean;
  /** GroupNorm groups. Defaults to 32. */
  groups?: number;
}

export class ConvUpsample extends CompositeLayer {
  static className = 'befunet>ConvUpsample';
  readonly filters: number;
  readonly rounds: number;
  readonly upsample: boolean;
  readonly groups: number;
  private readonly convs: tfl.layers.Layer[] = [];
  private readonly norms: GroupNorm[] = [];

  constructor(args: ConvUpsampleArgs = {}) {
    super(withDefaultName(args, 'conv_upsample'));
    this.filters = args.filters ?? 128;
    this.rounds = args.rounds ?? 1;
    this.upsample = args.upsample ?? true;
    this.groups = args.groups ?? 32;
    if (!Number.isInteger(this.rounds) || this.rounds < 1) {
      throw new ConfigError(`ConvUpsample rounds must be a positive integer, got ${this.rounds}`);
    }
    for (let i = 0; i < this.rounds; i++) {
      this.convs.push(
        this.track(
          tfl.layers.conv2d({
            filters: this.filters,
            kernelSize: 3,
            padding: 'same',
            useBias: false,
            name: `conv${i}`,
          }),
        ),
      );
      this.norms.push(this.track(new GroupNorm({ groups: this.groups, name: `norm${i}` })));
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    let shape = inputShape as tfl.Shape;
    for (let i = 0; i < this.rounds; i++) {
      shape = this.buildSublayer(this.convs[i]!, shape) as tfl.Shape;
      this.buildSublayer(this.norms[i]!, shape);
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      for (let i = 0; i < this.rounds; i++) {
        x = tf.relu(this.norms[i]!.apply(this.convs[i]!.apply(x)) as tf.Tensor4D);
        if (this.upsample) x = upsampleBilinear(x, 2);
      }
      return x;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w] = inputShape as tfl.Shape;
    const f = this.upsample ? 2 ** this.rounds : 1;
    return [b!, h == null ? null : h * f, w == null ? null : w * f, this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      rounds: this.rounds,
      upsample: this.upsample,
      groups: this.groups,
    };
  }
}
tf.serialization.registerClass(ConvUpsample);
