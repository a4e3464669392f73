/**
 * Edge head (BEFUNET.md section 2, "Edge maps"): a stage feature to a one-channel edge map at the
 * input size: 1x1 conv -> bilinear upsampling (PyTorch `align_corners=False`, i.e. half-pixel
 * centres) -> sigmoid. Used for deep supervision of every edge stage.
 *
 * Inputs: `[feature, reference]`; the map takes the height and width of `reference` (the image).
 */
import {
  assertRank,
  CompositeLayer,
  ConfigError,
  formatShape,
  type InitializerSpec,
  resolveInitializer,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type Shape } from '@tensorflow/tfjs-layers';
import type { LayerArgs } from './pdc-conv.js';

/**
 * Interpolation matrix `[out, in]` of 1-D linear resizing with half-pixel centres (PyTorch
 * `align_corners=False`): source `max(0, (i + 0.5) * in / out - 0.5)`, clamped at the border.
 */
export function bilinearMatrix(inSize: number, outSize: number): number[][] {
  return Array.from({ length: outSize }, (_, i) => {
    const row = new Array<number>(inSize).fill(0);
    const src = Math.max(0, ((i + 0.5) * inSize) / outSize - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const f = src - i0;
    row[i0]! += 1 - f;
    row[i1]! += f;
    return row;
  });
}

/**
 * Bilinear resizing of a one-channel map `[B,h,w,1]` to `[B,H,W,1]` as two matrix products. Used
 * instead of `tf.image.resizeBilinear`, whose cpu gradient fails on non-square maps in TF.js 4.22.
 */
export function upsampleBilinear(x: tf.Tensor4D, [outH, outW]: [number, number]): tf.Tensor4D {
  const [b, h, w] = x.shape;
  if (h === outH && w === outW) return x;
  return tf.tidy(() => {
    const ry = tf.tensor2d(bilinearMatrix(h, outH), [outH, h]);
    const rxT = tf.transpose(tf.tensor2d(bilinearMatrix(w, outW), [outW, w]));
    const cols = tf.reshape(tf.transpose(tf.reshape(x, [b, h, w]), [1, 0, 2]), [h, b * w]);
    const rows = tf.transpose(tf.reshape(tf.matMul(ry, cols), [outH, b, w]), [1, 0, 2]);
    return tf.reshape(tf.matMul(tf.reshape(rows, [b * outH, w]), rxT), [b, outH, outW, 1]);
  });
}

export interface EdgeHeadArgs extends LayerArgs {
  /** `sigmoid` (default): probabilities; `linear`: logits, for losses that take logits. */
  activation?: 'sigmoid' | 'linear';
  /** Initializer of the 1x1 kernel. Default Glorot uniform. */
  kernelInitializer?: InitializerSpec;
}

export class EdgeHead extends CompositeLayer {
  static className = 'befunet>EdgeHead';
  readonly activation: 'sigmoid' | 'linear';
  /** The 1x1 conv to one channel (with bias). */
  readonly conv: layers.Layer;

  constructor(args: EdgeHeadArgs = {}) {
    super(withDefaultName(args, 'edge_head'));
    this.activation = args.activation ?? 'sigmoid';
    if (this.activation !== 'sigmoid' && this.activation !== 'linear') {
      throw new ConfigError(
        `EdgeHead activation must be 'sigmoid' or 'linear', got ${JSON.stringify(args.activation)}`,
      );
    }
    this.conv = this.track(
      layers.conv2d({
        name: 'conv',
        filters: 1,
        kernelSize: 1,
        useBias: true,
        kernelInitializer: resolveInitializer(args.kernelInitializer, () => initializers.glorotUniform({})),
      }),
    );
  }

  private shapes(inputShape: Shape | Shape[]): [Shape, Shape] {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new ShapeError(`EdgeHead '${this.name}' takes two inputs [feature, reference]`);
    }
    const [feature, reference] = inputShape as Shape[];
    assertRank({ shape: feature! }, 4, `EdgeHead '${this.name}' feature`);
    assertRank({ shape: reference! }, 4, `EdgeHead '${this.name}' reference`);
    return [feature!, reference!];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [feature] = this.shapes(inputShape);
    if (feature[3] == null)
      throw new ShapeError(
        `EdgeHead '${this.name}' needs a known channel count, got ${formatShape(feature)}`,
      );
    this.buildSublayer(this.conv, feature);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [feature, reference] = this.shapes(inputShape);
    return [feature[0] ?? null, reference[1] ?? null, reference[2] ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> = {}): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new ShapeError(`EdgeHead '${this.name}' takes two inputs [feature, reference]`);
      }
      const [feature, reference] = inputs as [tf.Tensor4D, tf.Tensor];
      assertRank(feature, 4, `EdgeHead '${this.name}' feature`);
      assertRank(reference, 4, `EdgeHead '${this.name}' reference`);
      const logits = this.conv.apply(feature, kwargs) as tf.Tensor4D;
      const size: [number, number] = [reference.shape[1]!, reference.shape[2]!];
      const up = upsampleBilinear(logits, size);
      return this.activation === 'sigmoid' ? tf.sigmoid(up) : up;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), activation: this.activation };
  }
}
tf.serialization.registerClass(EdgeHead);
