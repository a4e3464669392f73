/**
 * A 3x3 pixel-difference convolution layer (full or depthwise), trainable in every form.
 */

import type { LayerArgs } from '@befunet/common';
import {
  assertPositiveInteger,
  assertRank,
  ConfigError,
  DerivedTensorCache,
  formatShape,
  type Initializer,
  type InitializerSpec,
  isInferenceCall,
  resolveInitializer,
  ShapeError,
  serializeInitializer,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers, type Shape } from '@tensorflow/tfjs-layers';
import {
  assertPdcForm,
  assertPdcOp,
  type PdcForm,
  type PdcOp,
  pdcConv2d,
  pdcKernelToVanilla,
  pdcOutputSize,
  vanillaConv2d,
} from './pdc-ops.js';

export type { LayerArgs };

export interface PdcConvArgs extends LayerArgs {
  /** Difference pattern: `cd`, `ad`, `rd`, or the vanilla `cv`. Default `'cv'`. */
  op?: PdcOp;
  /** Output channels of a full conv. Required unless `depthwise`. */
  filters?: number;
  /** Depthwise conv (PiDiNet's `groups = in`): output channels are `in * depthMultiplier`. Default false. */
  depthwise?: boolean;
  /** Output channels per input channel of a depthwise conv. Default 1. */
  depthMultiplier?: number;
  /** Stride (both axes). Default 1. */
  strides?: number;
  /** Dilation (both axes). Default 1. */
  dilationRate?: number;
  /** Add a bias. Default false (PiDiNet's PDCs have none). */
  useBias?: boolean;
  /** `relu` applies a ReLU to the output (fused into the conv for inference). Default `'linear'`. */
  activation?: 'linear' | 'relu';
  /**
   * `difference` (PiDiNet's training computation), `converted` (one vanilla conv, for inference) or
   * `pairs` (the literal pixel-pair definition; slow, a reference). Same result, all trainable; see
   * pdc-ops.ts. Default `'difference'`.
   */
  form?: PdcForm;
  /** Kernel initializer. Default He normal. */
  kernelInitializer?: InitializerSpec;
  /** Bias initializer. Default zeros. */
  biasInitializer?: InitializerSpec;
}

const positiveInt = assertPositiveInteger;

export class PdcConv extends layers.Layer {
  static className = 'befunet>PdcConv';
  readonly op: PdcOp;
  readonly filters: number | undefined;
  readonly depthwise: boolean;
  readonly depthMultiplier: number;
  readonly strides: number;
  readonly dilationRate: number;
  readonly useBias: boolean;
  readonly activation: 'linear' | 'relu';
  private formValue: PdcForm;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private kernelVar?: LayerVariable;
  private biasVar?: LayerVariable;
  private inChannels?: number;
  private readonly vanillaCache = new DerivedTensorCache<tf.Tensor4D>();

  constructor(args: PdcConvArgs = {}) {
    super(withDefaultName(args, 'pdc_conv'));
    this.op = args.op ?? 'cv';
    assertPdcOp(this.op, 'PdcConv op');
    this.depthwise = args.depthwise ?? false;
    this.depthMultiplier = positiveInt(args.depthMultiplier ?? 1, 'PdcConv depthMultiplier');
    if (!this.depthwise && args.filters == null)
      throw new ConfigError('PdcConv filters is required unless depthwise');
    this.filters = args.filters == null ? undefined : positiveInt(args.filters, 'PdcConv filters');
    this.strides = positiveInt(args.strides ?? 1, 'PdcConv strides');
    this.dilationRate = positiveInt(args.dilationRate ?? 1, 'PdcConv dilationRate');
    this.useBias = args.useBias ?? false;
    this.activation = args.activation ?? 'linear';
    if (this.activation !== 'linear' && this.activation !== 'relu')
      throw new ConfigError(`PdcConv activation must be 'linear' or 'relu', got '${this.activation}'`);
    this.formValue = args.form ?? 'difference';
    assertPdcForm(this.formValue, 'PdcConv form');
    this.kernelInitializer = resolveInitializer(args.kernelInitializer, () => initializers.heNormal({}));
    this.biasInitializer = resolveInitializer(args.biasInitializer, () => initializers.zeros());
  }

  /** The form `call` computes. */
  get form(): PdcForm {
    return this.formValue;
  }

  /** Switches the form (e.g. to `converted` for inference); the weights stay the same. */
  setForm(form: PdcForm): this {
    assertPdcForm(form);
    this.formValue = form;
    return this;
  }

  /** The PDC kernel variable `[3,3,in,out]` (depthwise `[3,3,in,multiplier]`); built layers only. */
  get kernel(): LayerVariable {
    if (!this.kernelVar) throw new ConfigError(`PdcConv '${this.name}' is not built yet`);
    return this.kernelVar;
  }

  get bias(): LayerVariable | undefined {
    return this.biasVar;
  }

  /** The equivalent vanilla kernel (5x5 for rd, dilated when `dilationRate > 1`). */
  vanillaKernel(): tf.Tensor4D {
    return pdcKernelToVanilla(this.kernel.read() as tf.Tensor4D, this.op, this.dilationRate);
  }

  private outChannels(cin: number): number {
    return this.depthwise ? cin * this.depthMultiplier : this.filters!;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    assertRank({ shape }, 4, `PdcConv '${this.name}' input`);
    const cin = shape[3];
    if (cin == null)
      throw new ShapeError(`PdcConv '${this.name}' needs a known channel count, got ${formatShape(shape)}`);
    this.inChannels = cin;
    const last = this.depthwise ? this.depthMultiplier : this.filters!;
    this.kernelVar = this.addWeight('kernel', [3, 3, cin, last], 'float32', this.kernelInitializer);
    if (this.useBias) {
      this.biasVar = this.addWeight('bias', [this.outChannels(cin)], 'float32', this.biasInitializer);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    assertRank({ shape }, 4, `PdcConv '${this.name}' input`);
    const [b, h, w, c] = shape;
    const size = (s: number | null) => (s == null ? null : pdcOutputSize(s, this.strides));
    return [b ?? null, size(h ?? null), size(w ?? null), c == null ? null : this.outChannels(c)];
  }

  /**
   * Inference (not training, no gradient being recorded) runs the cached converted kernel: one conv
   * and no per-call kernel arithmetic, the same result as every form (BEFUNET.md section 2). Training
   * runs the chosen form, so that gradients reach the kernel through it.
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> = {}): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      assertRank(x, 4, `PdcConv '${this.name}' input`);
      if (x.shape[3] !== this.inChannels) {
        throw new ShapeError(
          `PdcConv '${this.name}' was built for ${this.inChannels} input channels, got ${formatShape(x.shape)}`,
        );
      }
      if (isInferenceCall(kwargs) && !this.biasVar) {
        return vanillaConv2d(
          x,
          this.vanillaCache.get(this.kernel.read(), () => this.vanillaKernel()),
          { strides: this.strides, depthwise: this.depthwise, activation: this.activation },
        );
      }
      let y = isInferenceCall(kwargs)
        ? vanillaConv2d(
            x,
            this.vanillaCache.get(this.kernel.read(), () => this.vanillaKernel()),
            { strides: this.strides, depthwise: this.depthwise },
          )
        : pdcConv2d(x, this.kernel.read() as tf.Tensor4D, this.op, {
            strides: this.strides,
            dilation: this.dilationRate,
            depthwise: this.depthwise,
            form: this.formValue,
          });
      if (this.biasVar) y = tf.add(y, this.biasVar.read());
      return this.activation === 'relu' ? tf.relu(y) : y;
    });
  }

  /** Frees the cached converted kernel (rebuilt on the next inference call). */
  disposeDerived(): void {
    this.vanillaCache.dispose();
  }

  override dispose(): ReturnType<layers.Layer['dispose']> {
    this.disposeDerived();
    return super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      op: this.op,
      filters: this.filters ?? null,
      depthwise: this.depthwise,
      depthMultiplier: this.depthMultiplier,
      strides: this.strides,
      dilationRate: this.dilationRate,
      useBias: this.useBias,
      activation: this.activation,
      form: this.formValue,
      kernelInitializer: serializeInitializer(
        this.kernelInitializer,
      ) as unknown as tf.serialization.ConfigDict,
      biasInitializer: serializeInitializer(this.biasInitializer) as unknown as tf.serialization.ConfigDict,
    };
  }
}
tf.serialization.registerClass(PdcConv);
