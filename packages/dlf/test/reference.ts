/**
 * Test-only references: naive loops over plain arrays (independent of the TF.js code under test),
 * and helpers to read a layer's weights by name and to give it seeded non-trivial weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export type Rows = number[][];

/** Rows of a [N, C] (or [1, N, C]) array of values. */
export function toRows(values: ArrayLike<number>, n: number, c: number, offset = 0): Rows {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: c }, (_, j) => values[offset + i * c + j]!),
  );
}

/** Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
export function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}

export const geluRef = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** x W + b with W [Cin, Cout] row-major. */
export function linearRef(
  x: Rows,
  w: ArrayLike<number>,
  b: ArrayLike<number> | undefined,
  cout: number,
): Rows {
  return x.map((row) =>
    Array.from({ length: cout }, (_, j) =>
      row.reduce((acc, v, i) => acc + v * w[i * cout + j]!, b ? b[j]! : 0),
    ),
  );
}

export function layerNormRef(x: Rows, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps = 1e-5): Rows {
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + eps)) * gamma[j]! + beta[j]!);
  });
}

/** Multi-head attention of queries q over keys k / values v (rows), heads split along the width. */
export function attentionRef(q: Rows, k: Rows, v: Rows, heads: number): Rows {
  const c = q[0]!.length;
  const d = c / heads;
  return q.map((qi) => {
    const out = new Array<number>(c).fill(0);
    for (let h = 0; h < heads; h++) {
      const scores = k.map((kj) => {
        let s = 0;
        for (let t = h * d; t < (h + 1) * d; t++) s += qi[t]! * kj[t]!;
        return s / Math.sqrt(d);
      });
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, x) => a + x, 0);
      for (let j = 0; j < k.length; j++) {
        for (let t = h * d; t < (h + 1) * d; t++) out[t]! += (e[j]! / z) * v[j]![t]!;
      }
    }
    return out;
  });
}

export const addRows = (a: Rows, b: Rows): Rows => a.map((r, i) => r.map((v, j) => v + b[i]![j]!));
export const mapRows = (a: Rows, f: (v: number) => number): Rows => a.map((r) => r.map(f));

/** A layer's weight values keyed by their name below the layer (`f/fc/kernel`). */
export async function weightsOf(layer: tfl.layers.Layer): Promise<Map<string, Float32Array>> {
  const map = new Map<string, Float32Array>();
  for (const w of layer.weights) {
    const key = w.originalName.slice(w.originalName.indexOf('/') + 1);
    map.set(key, (await w.read().data()) as Float32Array);
  }
  return map;
}

/** Adds seeded N(0, std) noise to every weight (so biases, offsets and gains are not trivial). */
export function perturbWeights(layer: tfl.layers.Layer, std = 0.3, seed = 11): void {
  const values = layer
    .getWeights()
    .map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, std, 'float32', seed + i)));
  layer.setWeights(values);
  tf.dispose(values);
}

/** Seeded values in [-1, 1) as a plain array (the same on every backend). */
export function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  });
}
