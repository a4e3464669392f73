/**
 * Pixel-difference convolutions (PDC) of PiDiNet on NHWC tensors: `cd`, `ad`, `rd` and the vanilla
 * `cv`, depthwise or full, computed in one of three equivalent forms (BEFUNET.md section 2):
 *
 * - `difference` (training, the default): PiDiNet's own computation. `cd` is the difference of two
 *   convs, `conv(x, W) - (sum W) x_centre`; `ad` and `rd` re-derive their difference kernel from the
 *   PDC kernel on every call (`w_j - w_p(j)`; the 5x5 radial kernel), as PiDiNet trains them.
 * - `converted` (inference): one vanilla conv with the converted kernel (`pdcKernelToVanilla`).
 * - `pairs` (reference): the literal definition `y = sum_{(i,i') in P} w_i (x_i - x_i')` from
 *   shifted views of the input. Independent of the conversion maths, slow (many small ops).
 *
 * All three are differentiable with respect to the input and the PDC kernel.
 * Kernels are TF.js layouts: full `[3,3,in,out]`, depthwise `[3,3,in,multiplier]`. A 3x3 PDC kernel
 * has 9 taps numbered row-major (`t = 3 * row + col`), as PyTorch's `weight.view(..., 9)` does.
 */
import { assertPositiveInteger, assertRank, ConfigError, formatShape, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';

/** The four pixel-difference patterns: central, angular, radial, and the plain (vanilla) conv. */
export type PdcOp = 'cv' | 'cd' | 'ad' | 'rd';
/** How a PDC is computed (see the top of this file). */
export type PdcForm = 'difference' | 'converted' | 'pairs';

export const PDC_OPS: readonly PdcOp[] = ['cv', 'cd', 'ad', 'rd'];
export const PDC_FORMS: readonly PdcForm[] = ['difference', 'converted', 'pairs'];

/** Side of the vanilla kernel an op converts to, before dilation: 5 for `rd`, 3 otherwise. */
export function vanillaKernelSize(op: PdcOp): 3 | 5 {
  return op === 'rd' ? 5 : 3;
}

/** Side of the effective kernel once dilated: `(k - 1) * dilation + 1`. */
export function effectiveKernelSize(op: PdcOp, dilation = 1): number {
  return (vanillaKernelSize(op) - 1) * dilation + 1;
}

/** Zero padding on each side that keeps the size at stride 1 (PiDiNet: `dilation`, `2 * dilation` for rd). */
export function pdcPadding(op: PdcOp, dilation = 1): number {
  return (effectiveKernelSize(op, dilation) - 1) / 2;
}

/** Output size along one axis: `ceil(size / stride)` (same padding). */
export function pdcOutputSize(size: number, stride = 1): number {
  return Math.ceil(size / stride);
}

export function assertPdcOp(op: unknown, what = 'op'): asserts op is PdcOp {
  if (!PDC_OPS.includes(op as PdcOp)) {
    throw new ConfigError(`${what} must be one of ${PDC_OPS.join(', ')}, got ${JSON.stringify(op)}`);
  }
}

export function assertPdcForm(form: unknown, what = 'form'): asserts form is PdcForm {
  if (!PDC_FORMS.includes(form as PdcForm)) {
    throw new ConfigError(`${what} must be one of ${PDC_FORMS.join(', ')}, got ${JSON.stringify(form)}`);
  }
}

const assertPositiveInt = assertPositiveInteger;

// ---------------------------------------------------------------------------------------------
// Conversion: every PDC is linear in its kernel, vanilla = M_op . taps (BEFUNET.md section 2).
// ---------------------------------------------------------------------------------------------

/** Angular: `w'_j = w_j - w_{p(j)}`, p = clockwise predecessor on the 3x3 ring (centre maps to itself). */
const AD_PREDECESSOR = [3, 0, 1, 6, 4, 2, 7, 8, 5] as const;
/** Radial: tap k (1..8) goes `+w` to RD_OUTER[k-1] and `-w` to RD_INNER[k-1] of the 5x5 grid; tap 0 is unused. */
const RD_OUTER = [0, 2, 4, 10, 14, 20, 22, 24] as const;
const RD_INNER = [6, 7, 8, 11, 13, 16, 17, 18] as const;

/**
 * The conversion matrix of an op, `[k*k, 9]` (k = 3, or 5 for rd), row-major positions of the
 * undilated vanilla kernel by PDC taps.
 */
export function conversionMatrix(op: PdcOp): number[][] {
  assertPdcOp(op);
  const k = vanillaKernelSize(op);
  const m = Array.from({ length: k * k }, () => new Array<number>(9).fill(0));
  const add = (row: number, col: number, v: number) => {
    m[row]![col]! += v;
  };
  switch (op) {
    case 'cv':
      for (let t = 0; t < 9; t++) add(t, t, 1);
      break;
    case 'cd':
      // Centre weight becomes w_c - sum_i w_i.
      for (let t = 0; t < 9; t++) add(t, t, 1);
      for (let t = 0; t < 9; t++) add(4, t, -1);
      break;
    case 'ad':
      for (let t = 0; t < 9; t++) {
        add(t, t, 1);
        add(t, AD_PREDECESSOR[t]!, -1);
      }
      break;
    case 'rd':
      for (let k8 = 0; k8 < 8; k8++) {
        add(RD_OUTER[k8]!, k8 + 1, 1);
        add(RD_INNER[k8]!, k8 + 1, -1);
      }
      break;
  }
  return m;
}

/** The conversion matrix with the vanilla kernel dilated: `[K*K, 9]`, K = effectiveKernelSize. */
function dilatedConversionMatrix(op: PdcOp, dilation: number): number[][] {
  const k = vanillaKernelSize(op);
  const big = effectiveKernelSize(op, dilation);
  const base = conversionMatrix(op);
  const m = Array.from({ length: big * big }, () => new Array<number>(9).fill(0));
  for (let p = 0; p < k * k; p++) {
    const row = Math.floor(p / k) * dilation;
    const col = (p % k) * dilation;
    m[row * big + col] = base[p]!;
  }
  return m;
}

function assertPdcKernel(kernel: tf.Tensor, what: string): void {
  assertRank(kernel, 4, what);
  if (kernel.shape[0] !== 3 || kernel.shape[1] !== 3) {
    throw new ShapeError(`${what} must be a 3x3 kernel [3,3,in,out], got ${formatShape(kernel.shape)}`);
  }
}

/**
 * Converts a PDC kernel `[3,3,in,out]` (or depthwise `[3,3,in,multiplier]`) to the vanilla kernel
 * computing the same conv: `[3,3,in,out]`, or `[5,5,in,out]` for `rd`. With `dilation > 1` the
 * vanilla kernel is returned already dilated (zeros between taps), to be run at dilation 1.
 * Differentiable (a matrix product with a constant).
 */
export function pdcKernelToVanilla(kernel: tf.Tensor4D, op: PdcOp, dilation = 1): tf.Tensor4D {
  assertPdcOp(op);
  assertPositiveInt(dilation, 'dilation');
  assertPdcKernel(kernel, 'kernel');
  return tf.tidy(() => {
    const [, , cin, cout] = kernel.shape;
    const size = effectiveKernelSize(op, dilation);
    const m = tf.tensor2d(dilatedConversionMatrix(op, dilation), [size * size, 9], 'float32');
    const taps = tf.reshape(kernel, [9, cin * cout]);
    return tf.reshape(tf.matMul(m, taps), [size, size, cin, cout]);
  });
}

// ---------------------------------------------------------------------------------------------
// Pairs form: pixel pairs, written from the geometric definitions.
// ---------------------------------------------------------------------------------------------

/** One term `w_tap * (x[a] - x[b])` (or `w_tap * x[a]` without b); offsets in an undilated k x k window. */
interface PixelPair {
  tap: number;
  a: readonly [number, number];
  b?: readonly [number, number];
}

/** The 3x3 ring in clockwise order, starting top-left: (row, col). */
const RING: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [1, 2],
  [2, 2],
  [2, 1],
  [2, 0],
  [1, 0],
];

/** The pixel pairs of an op; offsets are in a 3x3 window, or 5x5 for rd. */
export function pixelPairs(op: PdcOp): PixelPair[] {
  assertPdcOp(op);
  const cell = (t: number) => [Math.floor(t / 3), t % 3] as const;
  switch (op) {
    case 'cv':
      return Array.from({ length: 9 }, (_, t) => ({ tap: t, a: cell(t) }));
    case 'cd':
      // Each pixel minus the centre (the centre term is zero and is skipped).
      return Array.from({ length: 9 }, (_, t) => t)
        .filter((t) => t !== 4)
        .map((t) => ({ tap: t, a: cell(t), b: [1, 1] as const }));
    case 'ad':
      // Each ring pixel minus its clockwise successor: sum_j (w_j - w_pred(j)) x_j regrouped.
      return RING.map((a, i) => ({ tap: a[0] * 3 + a[1], a, b: RING[(i + 1) % 8]! }));
    case 'rd': {
      // Taps 1..8 are the 8 rays: top-left, top, top-right, left, right, bottom-left, bottom, bottom-right.
      // Each is the outer (5x5 ring) pixel minus the inner (3x3 ring) pixel on the same ray.
      const rays = [
        [-1, -1],
        [-1, 0],
        [-1, 1],
        [0, -1],
        [0, 1],
        [1, -1],
        [1, 0],
        [1, 1],
      ] as const;
      return rays.map(([dy, dx], i) => ({
        tap: i + 1,
        a: [2 + 2 * dy, 2 + 2 * dx] as const,
        b: [2 + dy, 2 + dx] as const,
      }));
    }
  }
}

/** Keeps rows and columns 0, s, 2s, ...: `[B,H,W,C] -> [B,ceil(H/s),ceil(W/s),C]` (slice and reshape only, differentiable). */
function subsample(x: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return x;
  const [b, h, w, c] = x.shape;
  const ho = pdcOutputSize(h, stride);
  const wo = pdcOutputSize(w, stride);
  const padded = tf.pad(x, [
    [0, 0],
    [0, ho * stride - h],
    [0, wo * stride - w],
    [0, 0],
  ]);
  // Rank-4 reshapes and slices only (WebGPU kernels are not all defined beyond rank 4).
  const rows = tf.slice(
    tf.reshape(padded, [b, ho, stride, wo * stride * c]),
    [0, 0, 0, 0],
    [b, ho, 1, wo * stride * c],
  );
  const cols = tf.slice(tf.reshape(rows, [b * ho, wo, stride, c]), [0, 0, 0, 0], [b * ho, wo, 1, c]);
  return tf.reshape(cols, [b, ho, wo, c]);
}

export interface PdcConv2dOptions {
  /** Stride in both spatial dimensions. Default 1. */
  strides?: number;
  /** Dilation in both spatial dimensions. Default 1. */
  dilation?: number;
  /** Depthwise conv (kernel `[3,3,in,multiplier]`) instead of full (`[3,3,in,out]`). Default false. */
  depthwise?: boolean;
  /** `difference` (default), `converted` or `pairs`. All give the same result. */
  form?: PdcForm;
}

function checkConvInputs(x: tf.Tensor, kernel: tf.Tensor, options: PdcConv2dOptions): void {
  assertRank(x, 4, 'input x [batch,height,width,channels]');
  assertPdcKernel(kernel, 'kernel');
  if (kernel.shape[2] !== x.shape[3]) {
    throw new ShapeError(
      `kernel ${formatShape(kernel.shape)} expects ${kernel.shape[2]} input channels, ` +
        `got input ${formatShape(x.shape)} with ${x.shape[3]}`,
    );
  }
  assertPositiveInt(options.strides ?? 1, 'strides');
  assertPositiveInt(options.dilation ?? 1, 'dilation');
  assertPdcForm(options.form ?? 'difference');
}

/**
 * A pixel-difference convolution of NHWC `x` with a 3x3 PDC kernel, same padding (output
 * `ceil(H / stride) x ceil(W / stride)`), no bias. Output channels: `out` (full) or
 * `in * multiplier` (depthwise).
 */
export function pdcConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  op: PdcOp,
  options: PdcConv2dOptions = {},
): tf.Tensor4D {
  assertPdcOp(op);
  checkConvInputs(x, kernel, options);
  const form = options.form ?? 'difference';
  if (form === 'pairs') return pdcPairsConv2d(x, kernel, op, options);
  const dilation = options.dilation ?? 1;
  const conv = { strides: options.strides ?? 1, depthwise: options.depthwise ?? false };
  return tf.tidy(() => {
    if (form === 'difference' && op === 'cd') {
      // PiDiNet: y = conv(x, W) - conv1x1(x, sum W), the centre difference as two convs.
      const y = vanillaConv2d(x, pdcKernelToVanilla(kernel, 'cv', dilation), conv);
      const centre = tf.sum(kernel, [0, 1], true) as tf.Tensor4D;
      return tf.sub(y, vanillaConv2d(x, centre, conv));
    }
    // ad, rd (and cv) re-derive their vanilla kernel from W each call, in both forms.
    return vanillaConv2d(x, pdcKernelToVanilla(kernel, op, dilation), conv);
  });
}

/**
 * A vanilla conv with a square odd kernel `[k,k,in,out]` (or depthwise `[k,k,in,mult]`), same zero
 * padding `(k - 1) / 2`, dilation 1: the converted form of a PDC; optionally followed by a ReLU (one
 * fused kernel where the padding is symmetric).
 */
export function vanillaConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  options: { strides?: number; depthwise?: boolean; activation?: 'linear' | 'relu' } = {},
): tf.Tensor4D {
  assertRank(x, 4, 'input x [batch,height,width,channels]');
  assertRank(kernel, 4, 'kernel');
  const k = kernel.shape[0];
  if (kernel.shape[1] !== k || k % 2 !== 1) {
    throw new ShapeError(`kernel must be square with an odd side, got ${formatShape(kernel.shape)}`);
  }
  if (kernel.shape[2] !== x.shape[3]) {
    throw new ShapeError(
      `kernel ${formatShape(kernel.shape)} expects ${kernel.shape[2]} input channels, got input ${formatShape(x.shape)}`,
    );
  }
  const strides = options.strides ?? 1;
  assertPositiveInt(strides, 'strides');
  return tf.tidy(() => {
    const p = (k - 1) / 2;
    const [, h, w] = x.shape;
    // Padding that gives ceil(H / s) outputs, the taps at 0, s, 2s, ... as PyTorch does; passed to
    // the conv itself (a separate pad would copy x, a full-resolution tensor in the edge encoder).
    const extraH = (pdcOutputSize(h, strides) - 1) * strides + k - (h + 2 * p);
    const extraW = (pdcOutputSize(w, strides) - 1) * strides + k - (w + 2 * p);
    const padding: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [p, p + Math.max(0, extraH)],
      [p, p + Math.max(0, extraW)],
      [0, 0],
    ];
    const activation = options.activation ?? 'linear';
    if (activation === 'relu' && extraH <= 0 && extraW <= 0) {
      // Symmetric padding p: the conv with its ReLU as one fused kernel.
      const args = { x, filter: kernel, strides, pad: p, activation } as const;
      return options.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
    }
    const y = options.depthwise
      ? tf.depthwiseConv2d(x, kernel, strides, padding)
      : tf.conv2d(x, kernel, strides, padding);
    return activation === 'relu' ? tf.relu(y) : y;
  });
}

function pdcPairsConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  op: PdcOp,
  options: PdcConv2dOptions,
): tf.Tensor4D {
  const dilation = options.dilation ?? 1;
  const strides = options.strides ?? 1;
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const cout = kernel.shape[3];
    const p = pdcPadding(op, dilation);
    const padded = tf.pad(x, [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ]);
    const view = ([row, col]: readonly [number, number]) =>
      tf.slice(padded, [0, row * dilation, col * dilation, 0], [b, h, w, c]);
    const pairs = pixelPairs(op);
    const diffs: tf.Tensor4D[] = pairs.map(({ a, b: other }) =>
      other ? tf.sub(view(a), view(other)) : view(a),
    );
    const taps = tf.reshape(kernel, [9, c, cout]);
    const weights = tf.gather(
      taps,
      pairs.map((q) => q.tap),
    );
    let y: tf.Tensor4D;
    if (options.depthwise) {
      // out[c * m + j] = sum_t w[t, c, j] * d_t[c]. Rank-4 ops and pairwise adds only: WebGPU's AddN
      // fails beyond 7 inputs (storage-buffer limit), and a multiplier is a channel gather.
      const spread = cout === 1 ? null : Array.from({ length: c * cout }, (_, i) => Math.floor(i / cout));
      const terms = diffs.map((d, i) => {
        const wt = tf.reshape(tf.slice(weights, [i, 0, 0], [1, c, cout]), [c * cout]);
        return tf.mul(spread ? tf.gather(d, spread, 3) : d, wt) as tf.Tensor4D;
      });
      y = terms.reduce((sum, term) => tf.add(sum, term));
    } else {
      // One 1x1 conv over the stacked differences (im2col of the pairs).
      const stacked = tf.concat(diffs, 3) as tf.Tensor4D;
      y = tf.conv2d(stacked, tf.reshape(weights, [1, 1, pairs.length * c, cout]), 1, 'valid');
    }
    return subsample(y, strides);
  });
}
