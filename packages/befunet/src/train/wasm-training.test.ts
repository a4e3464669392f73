import { closeness, runOnBackend, TOLERANCE } from '@befunet/testing';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createBefunet } from '../model/befunet.js';
import { trainingLoss } from './training-loss.js';

/**
 * One training step of the tiny preset (32 px, batch 2: PDC depthwise convs, Swin windows with the
 * relative-position gather, LCAF, DLF, LayerNormalization tiles) on wasm with the registered kernels,
 * against the same step on TF.js's cpu backend: the same loss and the same gradient for every weight.
 * (This caught TF.js's wasm `oneHot` ignoring its dtype, see `oneHotFloat` in @befunet/losses.)
 */
async function trainingGradients(backend: string, weights?: Float32Array[]) {
  return runOnBackend(backend, async () => {
    if (backend === 'wasm') registerWasmTrainingKernels();
    const model = createBefunet('tiny', { imageSize: 32 });
    const initial =
      weights ?? (await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array)));
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(initial[i]!, w.shape)));
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1);
    const labels = tf.randomUniform([2, 32, 32], 0, 4, 'int32', 2);
    const { value, grads } = tf.variableGrads(() => {
      // The trainer's own loss (CE + Dice on the logits, the edge loss on the edge maps), so that
      // its one-hot targets and edge targets run on wasm too.
      return trainingLoss('paper', model.apply(x, { training: true }) as tf.Tensor[], labels);
    });
    const result = {
      weights: initial,
      loss: (await value.data())[0]!,
      grads: Object.fromEntries(
        await Promise.all(
          Object.entries(grads).map(async ([k, g]) => [k, Array.from(await g.data())] as const),
        ),
      ),
    };
    tf.dispose([x, labels, value, ...Object.values(grads)]);
    model.dispose();
    return result;
  });
}

describe('a BEFUnet training step on the wasm backend', () => {
  it('gives the cpu backend’s loss and gradients', async () => {
    const cpu = await trainingGradients('cpu');
    const wasm = await trainingGradients('wasm', cpu.weights);
    expect(wasm.loss).toBeCloseTo(cpu.loss, 4);
    // Variable names carry a per-model suffix: compare the gradients in creation order.
    const cpuGrads = Object.values(cpu.grads);
    const wasmGrads = Object.values(wasm.grads);
    expect(wasmGrads.length).toBe(cpuGrads.length);
    expect(cpuGrads.length).toBeGreaterThan(50);
    const scale = cpuGrads.reduce((m, g) => g.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0);
    const bad = cpuGrads.flatMap((g, i) => {
      const c = closeness(wasmGrads[i]!, g, {
        atol: TOLERANCE.network.atol * scale,
        rtol: TOLERANCE.network.rtol,
      });
      return c.mismatches ? [`${Object.keys(cpu.grads)[i]}: ${c.worstActual} vs ${c.worstExpected}`] : [];
    });
    expect(bad).toEqual([]);
  });
});
