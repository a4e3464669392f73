/**
 * The edge encoder (BEFUNET.md section 2): a stem PDC and four stages of PDC blocks, returning the
 * four stage features. Two layouts:
 *
 * - `paper`: 3 -> C at 1/4 resolution, then 2C, 4C, 8C at 1/8, 1/16, 1/32 (the Swin levels). Stem:
 *   `init_block` (full cd, stride 2); stage 1: `block1_1` (cd, pool + shortcut), `block1_2` ad,
 *   `block1_3` rd, `block1_4` cv; stages 2..4: `blockS_1` cd (pool + shortcut), `_2` ad, `_3` rd, `_4` cv.
 * - `official`: PiDiNet-small `carv4` (the released BEFUnet edge branch, PiDiNet layers 0..15):
 *   C, 2C, 4C, 4C (30/60/120/120) at 1, 1/2, 1/4, 1/8 resolution. Stem `init_block` (full cd,
 *   stride 1); stage 1: `block1_1` ad, `block1_2` rd, `block1_3` cv; stages 2..4 as above.
 *
 * Sub-layer names are PiDiNet's, so a PyTorch key maps to a weight by string rules (see weights.ts).
 */
import {
  assertPositiveInteger,
  assertRank,
  CompositeLayer,
  ConfigError,
  formatShape,
  RepeatedCallMemo,
  ShapeError,
  withDefaultName,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { PdcBlock } from './pdc-block.js';
import { type LayerArgs, PdcConv } from './pdc-conv.js';
import { assertPdcForm, type PdcForm, type PdcOp } from './pdc-ops.js';

export type EdgeLayout = 'paper' | 'official';
export const EDGE_LAYOUTS: readonly EdgeLayout[] = ['paper', 'official'];

/** One PDC block of a layout. */
export interface EdgeBlockSpec {
  name: string;
  op: PdcOp;
  filters: number;
  strides: 1 | 2;
}

export interface EdgeEncoderPlan {
  stem: { name: 'init_block'; op: PdcOp; filters: number; strides: 1 | 2 };
  /** Blocks of each of the 4 stages. */
  stages: EdgeBlockSpec[][];
  /** Output channels of each stage. */
  widths: number[];
  /** Resolution divisor of each stage's output. */
  reductions: number[];
}

/** Default stem width C: 96 (Swin-T) for `paper`, 30 for `official` (PiDiNet-small). */
export function defaultEdgeChannels(layout: EdgeLayout): number {
  return layout === 'paper' ? 96 : 30;
}

/** The blocks of a layout; the carv4 pattern cd, ad, rd, cv in every stage. */
export function edgeEncoderPlan(layout: EdgeLayout, channels = defaultEdgeChannels(layout)): EdgeEncoderPlan {
  if (!EDGE_LAYOUTS.includes(layout)) {
    throw new ConfigError(`layout must be one of ${EDGE_LAYOUTS.join(', ')}, got ${JSON.stringify(layout)}`);
  }
  assertPositiveInteger(channels, 'channels');
  const c = channels;
  const widths = layout === 'paper' ? [c, 2 * c, 4 * c, 8 * c] : [c, 2 * c, 4 * c, 4 * c];
  const ops: PdcOp[] = ['cd', 'ad', 'rd', 'cv'];
  const stages = widths.map((w, s) => {
    // Official stage 1 starts at ad: its cd is the stem.
    const first = layout === 'official' && s === 0 ? 1 : 0;
    return ops.slice(first).map((op, i) => ({
      name: `block${s + 1}_${i + 1}`,
      op,
      filters: w,
      strides: (i === 0 && first === 0 ? 2 : 1) as 1 | 2,
    }));
  });
  return {
    stem: { name: 'init_block', op: 'cd', filters: c, strides: layout === 'paper' ? 2 : 1 },
    stages,
    widths,
    reductions: layout === 'paper' ? [4, 8, 16, 32] : [1, 2, 4, 8],
  };
}

export interface EdgeEncoderArgs extends LayerArgs {
  /** `paper` (default) or `official` (PiDiNet-small carv4). */
  layout?: EdgeLayout;
  /** Stem width C. Default 96 for `paper`, 30 for `official`. */
  channels?: number;
  /** Form of every PDC (see `PdcConv`). Default `'difference'`. */
  form?: PdcForm;
}

export class EdgeEncoder extends CompositeLayer {
  static className = 'befunet>EdgeEncoder';
  readonly layout: EdgeLayout;
  readonly channels: number;
  readonly plan: EdgeEncoderPlan;
  /** The stem conv (`init_block`). */
  readonly stem: PdcConv;
  /** The blocks of each stage. */
  readonly stages: PdcBlock[][];
  /** One computation per graph node although four outputs (see RepeatedCallMemo). */
  private readonly repeatedCalls = new RepeatedCallMemo();

  constructor(args: EdgeEncoderArgs = {}) {
    super(withDefaultName(args, 'edge_encoder'));
    this.layout = args.layout ?? 'paper';
    this.channels = args.channels ?? defaultEdgeChannels(this.layout);
    this.plan = edgeEncoderPlan(this.layout, this.channels);
    const form = args.form ?? 'difference';
    assertPdcForm(form, 'EdgeEncoder form');
    const { stem } = this.plan;
    this.stem = this.track(
      new PdcConv({ name: stem.name, op: stem.op, filters: stem.filters, strides: stem.strides, form }),
    );
    this.stages = this.plan.stages.map((blocks) =>
      blocks.map((b) =>
        this.track(new PdcBlock({ name: b.name, op: b.op, filters: b.filters, strides: b.strides, form })),
      ),
    );
  }

  /** Input height and width must be multiples of this (the deepest stage's reduction). */
  get sizeDivisor(): number {
    return this.plan.reductions[3]!;
  }

  /** Every PDC layer in order (`init_block` first), with its PiDiNet name. */
  get pdcLayers(): { name: string; layer: PdcConv | PdcBlock }[] {
    return [
      { name: this.stem.name, layer: this.stem },
      ...this.stages.flat().map((b) => ({ name: b.name, layer: b })),
    ];
  }

  get form(): PdcForm {
    return this.stem.form;
  }

  /**
   * Switches every PDC to `converted` (vanilla convs, for fast inference), back to `difference`, or
   * to `pairs`.
   * Outputs are the same up to float rounding; weights are untouched.
   */
  setForm(form: PdcForm): this {
    assertPdcForm(form);
    this.stem.setForm(form);
    for (const b of this.stages.flat()) b.setForm(form);
    return this;
  }

  private checkShape(shape: readonly (number | null)[]): void {
    assertRank({ shape }, 4, `EdgeEncoder '${this.name}' input [batch,height,width,3]`);
    if (shape[3] !== 3) {
      throw new ShapeError(
        `EdgeEncoder '${this.name}' expects 3 input channels (RGB), got ${formatShape(shape)}`,
      );
    }
    for (const [axis, size] of [
      ['height', shape[1]],
      ['width', shape[2]],
    ] as const) {
      if (size != null && (size < 1 || size % this.sizeDivisor !== 0)) {
        throw new ShapeError(
          `EdgeEncoder '${this.name}' (${this.layout} layout) needs ${axis} divisible by ${this.sizeDivisor}, ` +
            `got ${formatShape(shape)}`,
        );
      }
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.checkShape(shape);
    let s = this.buildSublayer(this.stem, shape) as Shape;
    for (const block of this.stages.flat()) s = this.buildSublayer(block, s) as Shape;
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.checkShape(shape);
    const size = (d: number | null | undefined, r: number) => (d == null ? null : d / r);
    return this.plan.widths.map((w, i) => [
      shape[0] ?? null,
      size(shape[1], this.plan.reductions[i]!),
      size(shape[2], this.plan.reductions[i]!),
      w,
    ]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> = {}): tf.Tensor[] {
    return this.repeatedCalls.run(this, inputs, kwargs, () =>
      tf.tidy(() => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
        this.checkShape(x.shape);
        let y = this.stem.apply(x, kwargs) as tf.Tensor;
        return this.stages.map((blocks) => {
          for (const block of blocks) y = block.apply(y, kwargs) as tf.Tensor;
          return y;
        });
      }),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), layout: this.layout, channels: this.channels, form: this.form };
  }
}
tf.serialization.registerClass(EdgeEncoder);
