/**
 * One Swin Transformer block (BEFUNET.md section 3):
 *   z^ = (S)W-MSA(LN(z)) + z,   z' = MLP(LN(z^)) + z^
 * with regular windows (shiftSize 0) or windows cyclically shifted by shiftSize and the -100 mask.
 */
import {
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertRank,
  assertRate,
  CompositeLayer,
  ConfigError,
  dropPath,
  formatShape,
  type LayerArgs,
  LayerNorm,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import { LAYER_NORM_EPSILON } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { cyclicShift } from './cyclic-shift.js';
import { Mlp } from './mlp.js';
import { WindowAttention } from './window-attention.js';
import { effectiveWindow, windowAttentionMask, windowPartition, windowReverse } from './windows.js';

/** LayerNorm epsilon of the official code (PyTorch's default). */
export { LAYER_NORM_EPSILON };

export interface SwinBlockArgs extends LayerArgs {
  /** Channels C of the input map. */
  dim: number;
  /** Attention heads; must divide dim. */
  numHeads: number;
  /** Window side M. Defaults to 7. */
  windowSize?: number;
  /** Cyclic shift of SW-MSA (M/2 rounded down in odd blocks); 0 means W-MSA. Defaults to 0. */
  shiftSize?: number;
  /** MLP hidden channels = mlpRatio * dim. Defaults to 4. */
  mlpRatio?: number;
  /** Bias in the fused qkv projection. Defaults to true. */
  qkvBias?: boolean;
  /** Dropout after the MLP linears and the attention projection (training). Defaults to 0. */
  drop?: number;
  /** Dropout on the attention weights (training). Defaults to 0. */
  attnDrop?: number;
  /** Stochastic-depth rate of both residual branches (training). Defaults to 0. */
  dropPath?: number;
}

/**
 * Input and output NHWC [B, H, W, C]. When min(H, W) <= windowSize the window shrinks to min(H, W)
 * and the shift is dropped (as the official code does). A grid the window does not divide is
 * zero-padded at the bottom and right after norm1, padding keys are masked out of the attention
 * (so real tokens never see padding), and the output is cropped back: grids the window divides
 * compute exactly as the official code. Sub-layers `norm1`, `attn`, `norm2`, `mlp` (timm names).
 */
export class SwinBlock extends CompositeLayer {
  static className = 'befunet>SwinBlock';
  readonly dim: number;
  readonly numHeads: number;
  readonly windowSize: number;
  readonly shiftSize: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly drop: number;
  readonly attnDrop: number;
  readonly dropPath: number;
  private readonly norm1: tfl.layers.Layer;
  private readonly attn: WindowAttention;
  private readonly norm2: tfl.layers.Layer;
  private readonly mlp: Mlp;
  /** Window and shift fixed at build time from the grid. */
  private window = { windowSize: 0, shift: 0 };
  private masks = new Map<string, tf.Tensor3D | null>();

  constructor(args: SwinBlockArgs) {
    super(withDefaultName(args, 'swin_block'));
    this.dim = args.dim;
    this.numHeads = args.numHeads;
    this.windowSize = args.windowSize ?? 7;
    this.shiftSize = args.shiftSize ?? 0;
    this.mlpRatio = args.mlpRatio ?? 4;
    this.qkvBias = args.qkvBias ?? true;
    this.drop = args.drop ?? 0;
    this.attnDrop = args.attnDrop ?? 0;
    this.dropPath = args.dropPath ?? 0;
    assertPositiveInteger(this.windowSize, 'SwinBlock: windowSize');
    assertNonNegativeInteger(this.shiftSize, 'SwinBlock: shiftSize');
    if (this.shiftSize >= this.windowSize) {
      throw new ConfigError(
        `SwinBlock: shiftSize must be an integer in [0, windowSize), got ${this.shiftSize}`,
      );
    }
    assertRate(this.dropPath, 'SwinBlock: dropPath');
    const hidden = Math.round(this.dim * this.mlpRatio);
    if (!(hidden >= 1)) throw new ConfigError(`SwinBlock: mlpRatio must be positive, got ${this.mlpRatio}`);
    this.norm1 = this.track(new LayerNorm({ name: 'norm1', epsilon: LAYER_NORM_EPSILON }));
    this.attn = this.track(
      new WindowAttention({
        name: 'attn',
        dim: this.dim,
        numHeads: this.numHeads,
        qkvBias: this.qkvBias,
        attnDrop: this.attnDrop,
        projDrop: this.drop,
      }),
    );
    this.norm2 = this.track(new LayerNorm({ name: 'norm2', epsilon: LAYER_NORM_EPSILON }));
    this.mlp = this.track(new Mlp({ name: 'mlp', dim: this.dim, hiddenDim: hidden, drop: this.drop }));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const [, h, w, c] = shape;
    if (shape.length !== 4 || c !== this.dim) {
      throw new ShapeError(`SwinBlock input must be NHWC [B, H, W, ${this.dim}], got ${formatShape(shape)}`);
    }
    this.window =
      h != null && w != null
        ? effectiveWindow(h, w, this.windowSize, this.shiftSize)
        : { windowSize: this.windowSize, shift: this.shiftSize };
    const m = this.window.windowSize;
    if (h != null && w != null) this.checkGrid(h, w);
    this.buildSublayer(this.norm1, shape);
    this.buildSublayer(this.attn, [null, m * m, this.dim]);
    this.buildSublayer(this.norm2, shape);
    this.buildSublayer(this.mlp, shape);
    this.built = true;
  }

  /** The window side and shift this block uses on the grid it was built for (after shrinking to it). */
  get effectiveWindow(): { windowSize: number; shift: number } {
    return { ...this.window };
  }

  private checkGrid(h: number, w: number): void {
    const eff = effectiveWindow(h, w, this.windowSize, this.shiftSize);
    const m = this.window.windowSize;
    if (eff.windowSize !== m) {
      throw new ShapeError(
        `SwinBlock '${this.name}' was built for window ${m}, but a ${h}x${w} grid needs window ${eff.windowSize}`,
      );
    }
  }

  /** The attention mask for an H x W grid (shift regions and padding keys), cached; null if none. */
  private mask(h: number, w: number): tf.Tensor3D | null {
    const key = `${h}x${w}`;
    if (!this.masks.has(key)) {
      const { windowSize, shift } = effectiveWindow(h, w, this.windowSize, this.shiftSize);
      const n = windowSize * windowSize;
      const found = windowAttentionMask(h, w, windowSize, shift);
      this.masks.set(
        key,
        found && tf.keep(tf.tensor3d(found.mask, [(found.paddedH * found.paddedW) / n, n, n])),
      );
    }
    return this.masks.get(key)!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean } = {}): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
    assertRank(x, 4, `SwinBlock '${this.name}' input`);
    const [b, h, w, c] = x.shape;
    if (c !== this.dim)
      throw new ShapeError(`SwinBlock input must have ${this.dim} channels, got ${formatShape(x.shape)}`);
    this.checkGrid(h, w);
    // The window is fixed at build; the shift drops on grids no larger than the window.
    const { windowSize: m, shift } = effectiveWindow(h, w, this.windowSize, this.shiftSize);
    const mask = this.mask(h, w) ?? undefined;
    const hp = Math.ceil(h / m) * m;
    const wp = Math.ceil(w / m) * m;
    return tf.tidy(() => {
      const training = kwargs.training ?? false;
      let y = this.norm1.apply(x) as tf.Tensor4D;
      if (hp !== h || wp !== w)
        y = tf.pad(y, [
          [0, 0],
          [0, hp - h],
          [0, wp - w],
          [0, 0],
        ]);
      if (this.attn.canAttendOnGrid(y, m, kwargs)) {
        // WebGPU: shift and windows are index arithmetic inside one kernel (and its gradient's).
        y = this.attn.attendOnGrid(y, shift, mask ?? null, kwargs);
      } else {
        if (shift > 0) y = cyclicShift(y, -shift);
        const windows = tf.reshape(windowPartition(y, m), [-1, m * m, c]);
        const attended = this.attn.apply(windows, { mask, training }) as tf.Tensor;
        y = windowReverse(tf.reshape(attended, [-1, m, m, c]) as tf.Tensor4D, m, hp, wp);
        if (shift > 0) y = cyclicShift(y, shift);
      }
      if (hp !== h || wp !== w) y = tf.slice(y, [0, 0, 0, 0], [b, h, w, c]);
      const z = tf.add(x, dropPath(y, this.dropPath, training));
      const out = tf.add(
        z,
        dropPath(this.mlp.apply(this.norm2.apply(z), { training }) as tf.Tensor, this.dropPath, training),
      );
      return tf.reshape(out, [b, h, w, c]);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  /** Frees the derived shift masks and relative index (rebuilt on the next call). */
  override disposeDerived(): void {
    for (const m of this.masks.values()) m?.dispose();
    this.masks.clear();
    super.disposeDerived();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      numHeads: this.numHeads,
      windowSize: this.windowSize,
      shiftSize: this.shiftSize,
      mlpRatio: this.mlpRatio,
      qkvBias: this.qkvBias,
      drop: this.drop,
      attnDrop: this.attnDrop,
      dropPath: this.dropPath,
    };
  }
}
tf.serialization.registerClass(SwinBlock);

export { dropPath };
