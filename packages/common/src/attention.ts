/**
 * The multi-head attention core shared by Swin's window attention, LCAF's cross-attention and
 * DLF's self- and class-token attention (BEFUNET.md sections 3 and 4):
 *
 *   out = softmax(scale * q k^T + bias + mask) v        per head, along the keys
 *
 * on heads already split, [X, heads, N, d]. The fused WebGPU kernel (fusedGridWindowAttention,
 * fusedWindowAttention) computes the same from the packed qkv projection; callers pick it where
 * it runs, and this core elsewhere. The ops run in the order each caller used before, so results
 * are bit-for-bit those of the code it replaced; `scale` is passed in because callers wrote d^-1/2
 * as `d ** -0.5` or `1 / Math.sqrt(d)`, which may differ in the last bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRate, formatShape } from './checks.js';
import { dropout } from './dropout.js';
import { ConfigError, ShapeError } from './errors.js';

export interface AttentionCoreOptions {
  /** The factor on the queries before the product: d^-1/2. */
  scale: number;
  /** Added to the scores [X, heads, Nq, Nk], broadcast (a relative position bias [heads, Nq, Nk]). */
  bias?: tf.Tensor | null;
  /**
   * Added to the scores of window w of every image, for every head: mask [nW, Nq, Nk], with the X
   * windows laid out image by image (X a multiple of nW), as Swin's shifted-window mask.
   */
  mask?: tf.Tensor | null;
  /** Dropout rate on the attention weights (pass 0 outside training). Defaults to 0. */
  attnDrop?: number;
  /**
   * Queries are taken in chunks so that no score matrix has more elements than this (exact: the
   * softmax runs along the keys of each query). Defaults to no chunking.
   */
  maxScoreElements?: number;
}

/** q [X, heads, Nq, d], k and v [X, heads, Nk, d] -> [X, heads, Nq, d]. */
export function attentionCore(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionCoreOptions,
): tf.Tensor4D {
  checkQkv(q.shape, k.shape, v.shape);
  checkOptions(options);
  checkBiasAndMask(q.shape, k.shape[2], options);
  return tf.tidy(() => {
    const scaled = tf.mul(q, options.scale) as tf.Tensor4D;
    const chunk = queryChunk(q.shape, k.shape[2], options.maxScoreElements);
    const nq = q.shape[2];
    if (chunk >= nq) return attendChunk(scaled, k, v, options);
    const parts: tf.Tensor4D[] = [];
    for (let start = 0; start < nq; start += chunk) {
      const size = Math.min(chunk, nq - start);
      const rows = tf.slice(scaled, [0, 0, start, 0], [-1, -1, size, -1]);
      // The bias and mask rows of these queries (a bias broadcast along the queries is kept whole).
      const bias = options.bias && sliceQueries(options.bias, nq, start, size);
      const mask = options.mask && sliceQueries(options.mask, nq, start, size);
      parts.push(attendChunk(rows, k, v, { ...options, bias, mask }));
    }
    return tf.concat(parts, 2) as tf.Tensor4D;
  });
}

/** Rows `start .. start + size` of the query axis (second to last) of `t`, unless it broadcasts (size 1). */
function sliceQueries(t: tf.Tensor, nq: number, start: number, size: number): tf.Tensor {
  const axis = t.rank - 2;
  if (t.shape[axis] !== nq) return t;
  const begin = t.shape.map((_, i) => (i === axis ? start : 0));
  const sizes = t.shape.map((d, i) => (i === axis ? size : d));
  return tf.slice(t, begin, sizes);
}

/**
 * Throws a ShapeError unless q [X, heads, Nq, d], k [X, heads, Nk, d] and v [X, heads, Nk, d] fit
 * together. Without it, a k or v of X or heads 1 would broadcast silently, and other mismatches
 * surface as a matMul error that does not say which input is wrong.
 */
function checkQkv(q: number[], k: number[], v: number[]): void {
  const shapes = `q ${formatShape(q)}, k ${formatShape(k)}, v ${formatShape(v)}`;
  if (q.length !== 4 || k.length !== 4 || v.length !== 4) {
    throw new ShapeError(`attentionCore: q, k and v must have rank 4 [X, heads, N, d], got ${shapes}`);
  }
  const fail = (what: string, a: number, b: number) => {
    throw new ShapeError(
      `attentionCore: ${what}: inner shapes (${a}) and (${b}) differ; q [X, heads, Nq, d], k and v [X, heads, Nk, d] expected, got ${shapes}`,
    );
  };
  if (q[3] !== k[3]) fail('q and k must have the same width d for q k^T', q[3]!, k[3]!);
  if (k[2] !== v[2]) fail('k and v must have the same number of keys Nk', k[2]!, v[2]!);
  if (v[3] !== q[3]) fail('v must have the width d of q and k', q[3]!, v[3]!);
  for (const [i, name] of [
    [0, 'X (windows or images)'],
    [1, 'heads'],
  ] as const) {
    if (k[i] !== q[i]) fail(`q and k must have the same ${name}`, q[i]!, k[i]!);
    if (v[i] !== q[i]) fail(`q and v must have the same ${name}`, q[i]!, v[i]!);
  }
}

/** Throws a ConfigError unless attnDrop is a rate in [0, 1) and maxScoreElements a positive number. */
function checkOptions({ attnDrop, maxScoreElements, scale }: AttentionCoreOptions): void {
  if (!Number.isFinite(scale))
    throw new ConfigError(`attentionCore: scale must be a finite number, got ${scale}`);
  if (attnDrop !== undefined) assertRate(attnDrop, 'attentionCore: attnDrop');
  if (maxScoreElements !== undefined && !(maxScoreElements > 0)) {
    throw new ConfigError(
      `attentionCore: maxScoreElements must be a positive number (Infinity for no chunking), got ${maxScoreElements}`,
    );
  }
}

/**
 * Throws a ShapeError unless the bias broadcasts to the scores [X, heads, Nq, Nk] without changing
 * their shape and the mask is [nW, Nq, Nk] with X a multiple of nW.
 */
function checkBiasAndMask(qShape: number[], nk: number, { bias, mask }: AttentionCoreOptions): void {
  const [x, heads, nq] = qShape as [number, number, number];
  const scores = [x, heads, nq, nk];
  if (bias) {
    const fits = bias.rank <= 4 && bias.shape.every((d, i) => d === 1 || d === scores[4 - bias.rank + i]);
    if (!fits) {
      throw new ShapeError(
        `attentionCore: bias ${formatShape(bias.shape)} does not broadcast to the scores ${formatShape(scores)} [X, heads, Nq, Nk]`,
      );
    }
  }
  if (mask) {
    const nW = mask.shape[0]!;
    if (mask.rank !== 3 || mask.shape[1] !== nq || mask.shape[2] !== nk || x % nW !== 0) {
      throw new ShapeError(
        `attentionCore: mask must be [nW, Nq, Nk] = [nW,${nq},${nk}] with the ${x} windows a multiple of nW, got ${formatShape(mask.shape)}`,
      );
    }
  }
}

/** How many queries fit a score matrix of at most `maxElements` (at least one). */
function queryChunk(qShape: number[], keys: number, maxElements = Number.POSITIVE_INFINITY): number {
  const perQuery = qShape[0]! * qShape[1]! * keys;
  return Math.max(1, Math.floor(maxElements / perQuery));
}

/** softmax(q k^T + bias + mask) v for queries already scaled. */
function attendChunk(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { bias, mask, attnDrop = 0 }: AttentionCoreOptions,
): tf.Tensor4D {
  let scores = tf.matMul(q, k, false, true) as tf.Tensor4D;
  if (bias) scores = tf.add(scores, bias);
  if (mask) scores = addWindowMask(scores, mask);
  let weights = tf.softmax(scores, -1);
  if (attnDrop > 0) weights = dropout(weights, attnDrop);
  return tf.matMul(weights, v) as tf.Tensor4D;
}

/** scores [images * nW, heads, Nq, Nk] + mask [nW, Nq, Nk] for each image and head. */
function addWindowMask(scores: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  const [x, heads, nq, nk] = scores.shape;
  const nW = mask.shape[0]!;
  const perImage = tf.reshape(scores, [x / nW, nW, heads, nq, nk]);
  const masked = tf.add(perImage, tf.reshape(mask, [1, nW, 1, nq, nk]));
  return tf.reshape(masked, [x, heads, nq, nk]) as tf.Tensor4D;
}
