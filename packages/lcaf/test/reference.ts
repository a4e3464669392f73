/**
 * Independent reference for the tests: LCAF and global cross-attention written as plain loops in
 * float64 from the definitions of BEFUNET.md section 4, with no TF.js and no code of `src/`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Deterministic PRNG (mulberry32) in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [-scale, scale). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => (2 * r() - 1) * scale);
}

/** Weights by name relative to the layer (`q/kernel`, `relative_position_bias_table`). */
export type WeightMap = Map<string, Float32Array>;

/**
 * Gives every weight of a built layer pseudo-random values (LayerNorm gains around 1), sets them,
 * and returns them by name. Deterministic: the same on every backend.
 */
export function setRandomWeights(layer: tfl.layers.Layer, seed: number): WeightMap {
  const map: WeightMap = new Map();
  const values = layer.weights.map((w, i) => {
    const name = w.originalName.slice(w.originalName.indexOf('/') + 1);
    const size = w.shape.reduce((a, b) => a! * b!, 1)!;
    const isGain = name.endsWith('gamma');
    const v = randomArray(size, seed * 1000 + i, isGain ? 0.3 : 0.5).map((x) => (isGain ? 1 + x : x));
    map.set(name, v);
    return tf.tensor(v, w.shape as number[]);
  });
  layer.setWeights(values);
  tf.dispose(values);
  return map;
}

/** erf in float64 (series; |error| < 1e-8 over the reals). */
export function erf(x: number): number {
  if (Math.abs(x) >= 5) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

type Rows = number[][];

function dense(x: Rows, w: WeightMap, name: string): Rows {
  const kernel = w.get(`${name}/kernel`)!;
  const bias = w.get(`${name}/bias`)!;
  const out = bias.length;
  return x.map((row) =>
    Array.from({ length: out }, (_, o) => row.reduce((s, v, i) => s + v * kernel[i * out + o]!, bias[o]!)),
  );
}

function layerNorm(x: Rows, w: WeightMap, name: string, eps: number): Rows {
  const g = w.get(`${name}/gamma`)!;
  const b = w.get(`${name}/beta`)!;
  return x.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i]! + b[i]!);
  });
}

export interface ReferenceOptions {
  batch: number;
  height: number;
  width: number;
  edgeChannels: number;
  channels: number;
  heads: number;
  /** Window `[h, w]`; omit for global attention. */
  window?: [number, number];
  shift?: [number, number];
  relativePositionBias?: boolean;
  mlpRatio?: number;
  epsilon?: number;
}

/**
 * Whether query token `p` may attend key token `k` (grid coordinates), by the definition: both
 * lie in the same window of the grid padded to whole windows and shifted cyclically by `s` (the
 * shift is dropped along an axis with one window), without the wrap-around between them (their
 * offset in the shifted grid is their real offset), and the key is a real token.
 */
function allowed(p: [number, number], k: [number, number], o: ReferenceOptions): boolean {
  if (!o.window) return true;
  const dims = [o.height, o.width];
  for (let a = 0; a < 2; a++) {
    const win = o.window[a]!;
    const count = Math.ceil(dims[a]! / win);
    const padded = count * win;
    const s = count > 1 ? (o.shift?.[a] ?? 0) : 0;
    const sp = (((p[a]! - s) % padded) + padded) % padded;
    const sk = (((k[a]! - s) % padded) + padded) % padded;
    if (Math.floor(sp / win) !== Math.floor(sk / win)) return false;
    if (sp - sk !== p[a]! - k[a]!) return false;
  }
  return true;
}

/**
 * The fused output `[B, H, W, C]` (flat, float64) of the block of BEFUNET.md section 4 for edge
 * `[B, H, W, Ce]` and body `[B, H, W, C]`, with local windows when `o.window` is given.
 */
export function referenceFusion(
  edge: Float32Array,
  body: Float32Array,
  w: WeightMap,
  o: ReferenceOptions,
): Float64Array {
  const { batch, height, width, edgeChannels: ce, channels: c, heads } = o;
  const eps = o.epsilon ?? 1e-5;
  const d = c / heads;
  const tokens = height * width;
  const out = new Float64Array(batch * tokens * c);
  for (let b = 0; b < batch; b++) {
    let e: Rows = Array.from({ length: tokens }, (_, t) =>
      Array.from(edge.subarray((b * tokens + t) * ce, (b * tokens + t + 1) * ce)),
    );
    const x: Rows = Array.from({ length: tokens }, (_, t) =>
      Array.from(body.subarray((b * tokens + t) * c, (b * tokens + t + 1) * c)),
    );
    if (ce !== c) e = dense(e, w, 'edge_proj');
    const q = dense(layerNorm(e, w, 'norm_edge', eps), w, 'q');
    const kv = dense(layerNorm(x, w, 'norm_body', eps), w, 'kv');
    const attn: Rows = Array.from({ length: tokens }, () => new Array<number>(c).fill(0));
    const table = w.get('relative_position_bias_table');
    for (let p = 0; p < tokens; p++) {
      const pp: [number, number] = [Math.floor(p / width), p % width];
      for (let h = 0; h < heads; h++) {
        const logits: [number, number][] = [];
        for (let k = 0; k < tokens; k++) {
          const kk: [number, number] = [Math.floor(k / width), k % width];
          if (!allowed(pp, kk, o)) continue;
          let l = 0;
          for (let i = 0; i < d; i++) l += q[p]![h * d + i]! * kv[k]![h * d + i]!;
          l /= Math.sqrt(d);
          if (o.relativePositionBias && table && o.window) {
            const [wh, ww] = o.window;
            const row = (pp[0] - kk[0] + wh - 1) * (2 * ww - 1) + (pp[1] - kk[1] + ww - 1);
            l += table[row * heads + h]!;
          }
          logits.push([k, l]);
        }
        const max = Math.max(...logits.map(([, l]) => l));
        const z = logits.reduce((s, [, l]) => s + Math.exp(l - max), 0);
        for (const [k, l] of logits) {
          const a = Math.exp(l - max) / z;
          for (let i = 0; i < d; i++) attn[p]![h * d + i]! += a * kv[k]![c + h * d + i]!;
        }
      }
    }
    const projected = dense(attn, w, 'proj');
    const m = x.map((row, t) => row.map((v, i) => v + projected[t]![i]!));
    const hidden = dense(layerNorm(m, w, 'norm2', eps), w, 'fc1').map((row) =>
      row.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
    );
    const ffn = dense(hidden, w, 'fc2');
    for (let t = 0; t < tokens; t++) {
      for (let i = 0; i < c; i++) out[(b * tokens + t) * c + i] = m[t]![i]! + ffn[t]![i]!;
    }
  }
  return out;
}
