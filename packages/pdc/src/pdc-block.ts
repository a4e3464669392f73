/**
 * The PDC block (BEFUNET.md section 2; PiDiNet's `PDCBlock`):
 *
 *   stride 1:  y = conv2(relu(conv1(x))) + x
 *   stride 2:  x' = maxpool2x2(x);  y = conv2(relu(conv1(x'))) + shortcut(x')
 *
 * conv1 is a depthwise 3x3 PDC (no bias), conv2 a 1x1 conv to `filters` channels (no bias), shortcut
 * a 1x1 conv with bias, present when the resolution or the channel count changes.
 */
import {
  assertPositiveInteger,
  assertRank,
  CompositeLayer,
  ConfigError,
  formatShape,
  type InitializerSpec,
  resolveInitializer,
  ShapeError,
  serializeInitializer,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type Shape } from '@tensorflow/tfjs-layers';
import { type LayerArgs, PdcConv } from './pdc-conv.js';
import { assertPdcForm, assertPdcOp, type PdcForm, type PdcOp } from './pdc-ops.js';

export interface PdcBlockArgs extends LayerArgs {
  /** Pattern of the depthwise PDC. Default `'cv'`. */
  op?: PdcOp;
  /** Output channels. Default: the input channels. */
  filters?: number;
  /** 1 (same resolution) or 2 (2x2 max-pool first, floor mode as PyTorch). Default 1. */
  strides?: 1 | 2;
  /** Form of the PDC (see `PdcConv`). Default `'difference'`. */
  form?: PdcForm;
  /** Initializer of the PDC and 1x1 kernels. Default He normal. */
  kernelInitializer?: InitializerSpec;
}

export class PdcBlock extends CompositeLayer {
  static className = 'befunet>PdcBlock';
  readonly op: PdcOp;
  readonly filters: number | undefined;
  readonly strides: 1 | 2;
  private readonly kernelInitializerSpec: InitializerSpec | undefined;
  /** Depthwise PDC. */
  readonly conv1: PdcConv;
  /** 1x1 conv, no bias. Created at build (its width may come from the input). */
  private conv2Layer?: layers.Layer;
  private shortcutLayer?: layers.Layer;
  private inChannels?: number;

  constructor(args: PdcBlockArgs = {}) {
    super(withDefaultName(args, 'pdc_block'));
    this.op = args.op ?? 'cv';
    assertPdcOp(this.op, 'PdcBlock op');
    this.strides = args.strides ?? 1;
    if (this.strides !== 1 && this.strides !== 2) {
      throw new ConfigError(`PdcBlock strides must be 1 or 2, got ${this.strides}`);
    }
    if (args.filters != null) assertPositiveInteger(args.filters, 'PdcBlock filters');
    this.filters = args.filters ?? undefined;
    this.kernelInitializerSpec = args.kernelInitializer;
    const form = args.form ?? 'difference';
    assertPdcForm(form, 'PdcBlock form');
    this.conv1 = this.track(
      new PdcConv({
        name: 'conv1',
        op: this.op,
        depthwise: true,
        activation: 'relu',
        form,
        kernelInitializer: this.kernelInitializer(),
      }),
    );
  }

  private kernelInitializer() {
    return serializeInitializer(resolveInitializer(this.kernelInitializerSpec, heNormal));
  }

  get form(): PdcForm {
    return this.conv1.form;
  }

  setForm(form: PdcForm): this {
    this.conv1.setForm(form);
    return this;
  }

  get conv2(): layers.Layer {
    if (!this.conv2Layer) throw new ConfigError(`PdcBlock '${this.name}' is not built yet`);
    return this.conv2Layer;
  }

  /** The 1x1 shortcut conv, when the block changes resolution or channels. */
  get shortcut(): layers.Layer | undefined {
    return this.shortcutLayer;
  }

  private outChannels(cin: number): number {
    return this.filters ?? cin;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    assertRank({ shape }, 4, `PdcBlock '${this.name}' input`);
    const cin = shape[3];
    if (cin == null)
      throw new ShapeError(`PdcBlock '${this.name}' needs a known channel count, got ${formatShape(shape)}`);
    this.inChannels = cin;
    const cout = this.outChannels(cin);
    this.conv2Layer = this.track(
      layers.conv2d({
        name: 'conv2',
        filters: cout,
        kernelSize: 1,
        useBias: false,
        kernelInitializer: resolveInitializer(this.kernelInitializerSpec, heNormal),
      }),
    );
    if (this.strides > 1 || cout !== cin) {
      this.shortcutLayer = this.track(
        layers.conv2d({
          name: 'shortcut',
          filters: cout,
          kernelSize: 1,
          useBias: true,
          kernelInitializer: resolveInitializer(this.kernelInitializerSpec, heNormal),
        }),
      );
    }
    const pooled = this.poolShape(shape);
    this.buildSublayer(this.conv2Layer, this.buildSublayer(this.conv1, pooled) as Shape);
    if (this.shortcutLayer) this.buildSublayer(this.shortcutLayer, pooled);
    this.built = true;
  }

  private poolShape(shape: Shape): Shape {
    if (this.strides === 1) return shape;
    const half = (s: number | null | undefined) => (s == null ? null : Math.floor(s / 2));
    return [shape[0] ?? null, half(shape[1]), half(shape[2]), shape[3] ?? null];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    assertRank({ shape }, 4, `PdcBlock '${this.name}' input`);
    const pooled = this.poolShape(shape);
    return [
      pooled[0] ?? null,
      pooled[1] ?? null,
      pooled[2] ?? null,
      shape[3] == null ? null : this.outChannels(shape[3]),
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> = {}): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      assertRank(x, 4, `PdcBlock '${this.name}' input`);
      if (x.shape[3] !== this.inChannels) {
        throw new ShapeError(
          `PdcBlock '${this.name}' was built for ${this.inChannels} input channels, got ${formatShape(x.shape)}`,
        );
      }
      if (this.strides > 1) {
        if (x.shape[1] < 2 || x.shape[2] < 2) {
          throw new ShapeError(
            `PdcBlock '${this.name}' pools 2x2 and needs at least 2x2 pixels, got ${formatShape(x.shape)}`,
          );
        }
        x = tf.maxPool(x, 2, 2, 'valid');
      }
      // conv1 applies the ReLU (fused into its conv for inference).
      const y = this.conv2.apply(this.conv1.apply(x, kwargs) as tf.Tensor, kwargs) as tf.Tensor;
      const skip = this.shortcutLayer ? (this.shortcutLayer.apply(x, kwargs) as tf.Tensor) : x;
      return tf.add(y, skip);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      op: this.op,
      filters: this.filters ?? null,
      strides: this.strides,
      form: this.form,
      kernelInitializer: this.kernelInitializer() as unknown as tf.serialization.ConfigDict,
    };
  }
}
tf.serialization.registerClass(PdcBlock);

function heNormal() {
  return initializers.heNormal({});
}
