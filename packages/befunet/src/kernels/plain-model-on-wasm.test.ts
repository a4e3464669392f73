import { runOnBackend } from '@befunet/testing';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { installWasmKernels } from './wasm-kernels.js';

/**
 * The wasm kernels serve any TF.js model, not only BEFUnet (issue 21): a plain tfjs-layers model
 * with a dense and a depthwise conv (no BEFUnet layer) cannot train on TF.js 4.22's wasm backend,
 * trains once they are installed, and cannot again after the uninstall, which also puts TF.js's own
 * replaced kernels back.
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

describe('the wasm kernels on a plain tfjs-layers model', () => {
  it('fails without them, trains with them, and the uninstall restores the backend', async () => {
    await runOnBackend('wasm', async () => {
      expect(tf.getBackend()).toBe('wasm');
      const ownBatchMatMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
      const model = plainConvModel();
      await expect(fitOnce(model)).rejects.toThrow(
        /Kernel '\w+Backprop\w+' not registered for backend 'wasm'/,
      );

      const uninstall = installWasmKernels();
      expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(ownBatchMatMul);
      const before = await fitOnce(model);
      const after = await fitOnce(model);
      expect(Number.isFinite(after)).toBe(true);
      expect(after).toBeLessThan(before);

      uninstall();
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(ownBatchMatMul);
      await expect(fitOnce(model)).rejects.toThrow(/not registered for backend 'wasm'/);
      model.dispose();
    });
  });
});
