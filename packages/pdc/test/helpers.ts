/** Test helpers of this package. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

/** Saves to memory and reloads with `loadLayersModel`. */
export { saveAndReload as roundTrip } from '@befunet/testing';

/** Deterministic values in [-1, 1). */
export function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Sets every weight of a model from `values` (same on every backend). */
export function setDeterministicWeights(
  model: { weights: tfl.LayerVariable[]; setWeights(w: tf.Tensor[]): void },
  scale = 0.5,
): void {
  const ws = model.weights.map((w, i) => {
    const shape = w.shape as number[];
    return tf.mul(
      tf.tensor(
        values(
          shape.reduce((a, b) => a * b, 1),
          100 + i,
        ),
        shape,
      ),
      scale,
    );
  });
  model.setWeights(ws);
  tf.dispose(ws);
}

/** Asserts that every trainable weight gets a non-zero gradient of `loss`. */
export async function expectGradientsEverywhere(
  weights: tfl.LayerVariable[],
  loss: () => tf.Scalar,
): Promise<void> {
  const { value, grads } = tf.variableGrads(
    loss,
    weights.map((w) => w.read() as tf.Variable),
  );
  const names = weights.map((w) => w.originalName);
  expect(Object.keys(grads).length, 'one gradient per trainable weight').toBe(names.length);
  for (const [name, g] of Object.entries(grads)) {
    const m = tf.max(tf.abs(g));
    expect((await m.data())[0], `gradient of ${name}`).toBeGreaterThan(0);
    m.dispose();
  }
  tf.dispose([value, grads]);
}
