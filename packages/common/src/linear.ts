/**
 * A fully connected layer over the last axis, y = x W + b (PyTorch's nn.Linear with W stored
 * [in, out]), for inputs of any rank >= 2.
 *
 * tfjs-layers' `Dense` on an input of rank 3 or more goes through its backend `dot`, which permutes
 * the kernel with an identity permutation: a Transpose kernel copying W on every call (one extra
 * kernel per layer, and a gradient node in training). Here the tokens are flattened to rows and
 * multiplied by W itself, one fused matMul with the bias. Weights `kernel` [in, out] and `bias`
 * [out] as `Dense` names them, so checkpoints and weight lists do not change.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertDType } from './checks.js';
import { type LayerArgs, withDefaultName } from './composite-layer.js';
import { ConfigError, ShapeError } from './errors.js';
import { type InitializerSpec, resolveInitializer, serializeInitializer } from './initializers.js';

export interface LinearArgs extends LayerArgs {
  /** Output features. */
  units: number;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Kernel initializer. Default Glorot uniform (as Dense). */
  kernelInitializer?: InitializerSpec;
  /** Bias initializer. Default zeros. */
  biasInitializer?: InitializerSpec;
}

export class Linear extends tfl.layers.Layer {
  static className = 'befunet>Linear';
  readonly units: number;
  readonly useBias: boolean;
  private readonly kernelInitializer: ReturnType<typeof resolveInitializer>;
  private readonly biasInitializer: ReturnType<typeof resolveInitializer>;
  private kernel!: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(args: LinearArgs) {
    super(withDefaultName(args, 'linear'));
    if (!Number.isInteger(args.units) || args.units < 1)
      throw new ConfigError(`Linear units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = resolveInitializer(args.kernelInitializer, () =>
      tfl.initializers.glorotUniform({}),
    );
    this.biasInitializer = resolveInitializer(args.biasInitializer, () => tfl.initializers.zeros());
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const features = shape[shape.length - 1];
    if (shape.length < 2 || features == null)
      throw new ShapeError(`Linear '${this.name}' needs rank >= 2 and a known last axis, got [${shape}]`);
    this.kernel = this.addWeight('kernel', [features, this.units], 'float32', this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', this.biasInitializer);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      assertDType(x, ['float32'], `Linear '${this.name}' input`);
      const w = this.kernel.read() as tf.Tensor2D;
      if (x.rank < 2 || x.shape[x.rank - 1] !== w.shape[0]) {
        throw new ShapeError(
          `Linear '${this.name}' expects [..., ${w.shape[0]}] (rank >= 2), got [${x.shape}]`,
        );
      }
      const rows = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, w.shape[0]]);
      const y = tf.fused.matMul({ a: rows as tf.Tensor2D, b: w, bias: this.bias?.read() });
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = inputShape as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(
        this.kernelInitializer,
      ) as unknown as tf.serialization.ConfigDict,
      biasInitializer: serializeInitializer(this.biasInitializer) as unknown as tf.serialization.ConfigDict,
    };
  }
}
tf.serialization.registerClass(Linear);
