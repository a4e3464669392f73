/**
 * Learnable position embedding followed by LayerNorm on a token sequence: `Z = LN(S + pos)`.
 * In the official graph this is what reaches the decoder at levels 1 and 4 (`Z1`, `Z4` of the
 * fixtures' README), the only effect of its DLF block.
 */

import type { LayerArgs } from '@befunet/common';
import { assertRank, assertShape, CompositeLayer, ShapeError } from '@befunet/common';
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
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    this.norm = this.track(tfl.layers.layerNormalization({ epsilon: this.epsilon, name: 'norm' }));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const [, tokens, channels] = shape;
    if (shape.length !== 3 || tokens == null || channels == null) {
      throw new ShapeError(
        `PositionNorm '${this.name}' expects tokens [B, N, C] with known N and C, got [${shape.join(',')}]`,
      );
    }
    this.position = this.addWeight(
      'position',
      [1, tokens, channels],
      'float32',
      tfl.initializers.truncatedNormal({ stddev: 0.02 }),
    );
    this.buildSublayer(this.norm, shape);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      assertRank(x, 3, `PositionNorm '${this.name}' input`);
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
