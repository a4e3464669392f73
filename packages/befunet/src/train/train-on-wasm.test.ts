import { runOnBackend } from '@befunet/testing';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SyntheticDataset } from '../data/synthetic-dataset.js';
import { createBefunet } from '../model/befunet.js';
import { train } from './trainer.js';

/**
 * A user who imports TF.js's wasm backend and calls `train()` (no `useBackend`): TF.js 4.22 lacks
 * `Conv2DBackpropFilter` there, so the first step used to fail inside TF.js's gradient code. The
 * trainer adds the four missing kernels and leaves the ones TF.js has as they were.
 */
describe('train() on the wasm backend without useBackend', () => {
  it('adds the missing gradient kernels, trains, and replaces no kernel TF.js has', async () => {
    await runOnBackend('wasm', async () => {
      expect(tf.getBackend()).toBe('wasm');
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      const ownBatchMatMul = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
      const ownTile = tf.getKernel('Tile', 'wasm')?.kernelFunc;
      const model = createBefunet('tiny', { imageSize: 32 }, { seed: 0 });
      const data = new SyntheticDataset({ length: 2, seed: 0, size: 32 });
      const result = await train(model, data, { steps: 1, batchSize: 2, progress: false });
      expect(result.step).toBe(1);
      expect(Number.isFinite(result.losses[0])).toBe(true);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
      expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).toBe(ownBatchMatMul);
      expect(tf.getKernel('Tile', 'wasm')?.kernelFunc).toBe(ownTile);
      model.dispose();
    });
  });
});
