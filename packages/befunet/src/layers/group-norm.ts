/**
 * Group normalisation (Wu & He, 2018) on NHWC tensors, as PyTorch's `nn.GroupNorm`:
 * the channels are split into `groups` groups; each sample's group is normalised over (H, W, channels
 * of the group) with the biased variance, then scaled and shifted per channel. On WebGPU it runs as
 * the fused kernels of @befunet/kernels (fused/group-norm.ts) (forward and gradient); elsewhere as TF.js ops.
 */

import { assertRank, ConfigError, type LayerArgs, ShapeError, withDefaultName } from '@befunet/common';
import { groupNormWebGpu } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** y = (x - mean_g) / sqrt(var_g + eps) * gamma + beta, with statistics per sample and group. */
export function groupNorm(
  x: tf.Tensor4D,
  groups: number,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon = 1e-5,
): tf.Tensor4D {
  if (tf.getBackend() === 'webgpu' && x.dtype === 'float32') {
    return groupNormWebGpu(x, groups, gamma, beta, epsilon);
  }
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [b, h * w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normalised = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(tf.reshape(normalised, [b, h, w, c]), gamma), beta);
  });
}

export interface GroupNormArgs extends LayerArgs {
  /** Number of groups; must divide the channel count. */
  groups: number;
  /** Added to the variance. Defaults to 1e-5 (PyTorch's default). */
  epsilon?: number;
}

export class GroupNorm extends tfl.layers.Layer {
  static className = 'befunet>GroupNorm';
  readonly groups: number;
  readonly epsilon: number;
  private gamma!: tfl.LayerVariable;
  private beta!: tfl.LayerVariable;

  constructor(args: GroupNormArgs) {
    super(withDefaultName(args, 'group_norm'));
    if (!Number.isInteger(args.groups) || args.groups < 1) {
      throw new ConfigError(`GroupNorm groups must be a positive integer, got ${args.groups}`);
    }
    this.groups = args.groups;
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length !== 4 || channels == null) {
      throw new ShapeError(
        `GroupNorm '${this.name}' expects NHWC input with known channels, got [${shape.join(',')}]`,
      );
    }
    if (channels % this.groups !== 0) {
      throw new ShapeError(
        `GroupNorm '${this.name}': ${channels} channels are not divisible into ${this.groups} groups`,
      );
    }
    this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    assertRank(x, 4, `GroupNorm '${this.name}' input`);
    return groupNorm(
      x as tf.Tensor4D,
      this.groups,
      this.gamma.read() as tf.Tensor1D,
      this.beta.read() as tf.Tensor1D,
      this.epsilon,
    );
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(GroupNorm);
