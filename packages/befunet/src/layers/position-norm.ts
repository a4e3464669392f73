/**
 * Learnable position embedding followed by LayerNorm over the channels: `Z = LN(S + pos)`, on token
 * sequences [B, N, C] or NHWC maps [B, H, W, C] (the embedding has the input's shape without batch).
 * In the official graph this is what reaches the decoder at levels 1 and 4 (`Z1`, `Z4` of the
 * fixtures' README), the only effect of its DLF block.
 */

import {
  assertShape,
  CompositeLayer,
  type LayerArgs,
  LayerNorm,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface PositionNormArgs extends LayerArgs {
  /** LayerNorm epsilon. Defaults to 1e-5 (PyTorch). */
  epsilon?: number;
}

export class PositionNorm extends CompositeLayer {
  static className = 'befunet>PositionNorm';
  readonly epsilon: number;
  private position!: tfl.LayerVariable;
  private readonly norm: tfl.layers.Layer;

  constructor(args: PositionNormArgs = {}) {
    super(withDefaultName(args, 'position_norm'));
    this.epsilon = args.epsilon ?? 1e-5;
    this.norm = this.track(new LayerNorm({ epsilon: this.epsilon, name: 'norm' }));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const dims = shape.slice(1);
    if ((shape.length !== 3 && shape.length !== 4) || dims.some((d) => d == null)) {
      throw new ShapeError(
        `PositionNorm '${this.name}' expects tokens [B, N, C] or maps [B, H, W, C] of known size, got [${shape.join(',')}]`,
      );
    }
    const position = [1, ...(dims as number[])];
    this.position = this.addWeight(
      'position',
      position,
      'float32',
      tfl.initializers.truncatedNormal({ stddev: 0.02 }),
    );
    this.buildSublayer(this.norm, shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      assertShape(x.shape, [null, ...this.position.shape.slice(1)], `PositionNorm '${this.name}' input`);
      return this.norm.apply(tf.add(x, this.position.read())) as tf.Tensor;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(PositionNorm);
