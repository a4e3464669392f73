import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, describe, expect, it } from 'vitest';
import { runOnBackend, testProject } from '../../testing/src/backends.ts';
import { install, type KernelBackend } from './install.js';

/**
 * `install` serves any TF.js model, not only BEFUnet (issue 21): a plain tfjs-layers model with a
 * dense and a depthwise conv (no BEFUnet layer) cannot train on TF.js 4.22's wasm backend, trains
 * once installed, and cannot again after the uninstall, which puts every kernel and gradient back.
 */
function plainConvModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 2],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
  return model;
}

async function fitOnce(model: tfl.LayersModel): Promise<number> {
  const x = tf.randomUniform([4, 8, 8, 2], 0, 1, 'float32', 1);
  const y = tf.ones([4, 1]);
  try {
    const history = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    return history.history.loss!.at(-1) as number;
  } finally {
    tf.dispose([x, y]);
  }
}

/** Every kernel function of `backend` and the engine's gradient machinery, to compare by identity. */
function registrySnapshot(backend: string) {
  const engine = tf.engine() as unknown as { gradients: unknown };
  return {
    kernels: new Map(tf.getKernelsForBackend(backend).map((k) => [k.kernelName, k.kernelFunc])),
    tileGradient: tf.getGradient(tf.Tile)?.gradFunc,
    gradients: engine.gradients,
  };
}

function expectSameRegistry(actual: ReturnType<typeof registrySnapshot>, expected: typeof actual) {
  expect([...actual.kernels.keys()].sort()).toEqual([...expected.kernels.keys()].sort());
  for (const [name, kernelFunc] of expected.kernels) expect(actual.kernels.get(name), name).toBe(kernelFunc);
  expect(actual.tileGradient).toBe(expected.tileGradient);
  expect(actual.gradients).toBe(expected.gradients);
}

let uninstalls: (() => void)[] = [];
afterEach(() => {
  for (const uninstall of uninstalls.reverse()) uninstall();
  uninstalls = [];
});

describe('install on wasm, with a plain tfjs-layers model', () => {
  it('fails without it, trains with it, and the uninstall restores the backend', async () => {
    await runOnBackend('wasm', async () => {
      expect(tf.getBackend()).toBe('wasm');
      const own = registrySnapshot('wasm');
      const model = plainConvModel();
      await expect(fitOnce(model)).rejects.toThrow(
        /Kernel '\w+Backprop\w+' not registered for backend 'wasm'/,
      );

      const uninstall = install();
      expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(own.kernels.get('BatchMatMul'));
      expect(tf.getGradient(tf.Tile)?.gradFunc).not.toBe(own.tileGradient);
      const before = await fitOnce(model);
      const after = await fitOnce(model);
      expect(Number.isFinite(after)).toBe(true);
      expect(after).toBeLessThan(before);

      uninstall();
      expectSameRegistry(registrySnapshot('wasm'), own);
      await expect(fitOnce(model)).rejects.toThrow(/not registered for backend 'wasm'/);
      model.dispose();
    });
  });

  it('adds only the missing kernels when the faster ones are opted out', async () => {
    await runOnBackend('wasm', async () => {
      const own = registrySnapshot('wasm');
      uninstalls.push(install({ fasterKernels: false, tileGradient: false, lowMemoryGradients: false }));
      const now = registrySnapshot('wasm');
      expect(now.kernels.has('Conv2DBackpropFilter')).toBe(true);
      for (const [name, kernelFunc] of own.kernels) expect(now.kernels.get(name), name).toBe(kernelFunc);
      expect(now.tileGradient).toBe(own.tileGradient);
      expect(now.gradients).toBe(own.gradients);
    });
  });
});

describe(`install on the ${testProject()} backend`, () => {
  it('replaces kernels, and the uninstall puts TF.js’s own back', () => {
    const backend = tf.getBackend();
    const own = registrySnapshot(backend);
    const uninstall = install();
    const now = registrySnapshot(backend);
    const replaced = [...own.kernels]
      .filter(([name, f]) => now.kernels.get(name) !== f)
      .map(([name]) => name);
    expect(replaced).toContain('Conv2DBackpropFilter');
    expect(now.gradients).not.toBe(own.gradients);
    uninstall();
    expectSameRegistry(registrySnapshot(backend), own);
  });

  it('a second install changes nothing, and its uninstall leaves the first in place', () => {
    const backend = tf.getBackend();
    uninstalls.push(install());
    const first = registrySnapshot(backend);
    const second = install();
    expectSameRegistry(registrySnapshot(backend), first);
    second();
    expectSameRegistry(registrySnapshot(backend), first);
  });

  it('names the backends it knows when asked for another', () => {
    expect(() => install({ backend: 'webgl' as KernelBackend })).toThrow(
      /install: no kernels for the 'webgl' backend; pass backend: 'webgpu', 'wasm', 'cpu'/,
    );
  });
});
