import { modelArtifacts, parseModelJson, readTorchCheckpoint } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  archiveFuzzTargets,
  DENSE_BIAS,
  DENSE_KERNEL,
  denseModelFiles,
  smallTorchCheckpoint,
} from './fuzz-archive-targets.js';
import { fuzzReaders } from './fuzz-readers.js';

describe('archive fuzz targets', () => {
  it('have valid samples: the checkpoint reads back its values', () => {
    const state = readTorchCheckpoint(smallTorchCheckpoint(), 'small.pth');
    expect([...state.keys()]).toEqual(['conv.weight', 'conv.bias', 'norm.num_batches_tracked']);
    expect([...state.get('conv.weight')!.values]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(state.get('norm.num_batches_tracked')!.shape).toEqual([]);
  });

  it('have valid samples: TF.js loads the Dense model and computes x W + b', async () => {
    const { modelJson, weights } = denseModelFiles();
    const artifacts = modelArtifacts(
      parseModelJson(modelJson, 'model.json'),
      new Map([['weights.bin', weights]]),
      '.',
    );
    const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = [1, -2, 0.5];
    // Independent: y_j = sum_i x_i W[i][j] + b_j with W row-major [3, 2].
    const expected = [0, 1].map((j) =>
      x.reduce((s, xi, i) => s + xi * DENSE_KERNEL[2 * i + j]!, DENSE_BIAS[j]!),
    );
    const input = tf.tensor2d([x]);
    const y = model.predict(input) as tf.Tensor;
    const values = [...(await y.data())];
    for (const [j, v] of values.entries()) expect(v).toBeCloseTo(expected[j]!, 6);
    tf.dispose([input, y]);
    model.dispose();
  });

  it('end every mutated file in a result or a typed error, quickly (seeded)', async () => {
    const stats = await fuzzReaders(archiveFuzzTargets(), { seed: 11, casesPerKind: 60, slowMs: 2000 });
    expect(stats.map((s) => s.reader)).toEqual(['pth', 'tfjs model.json', 'tfjs weights.bin']);
    for (const s of stats) {
      expect(s.crashes, `${s.reader} crashes`).toEqual([]);
      expect(s.hangs, `${s.reader} hangs`).toEqual([]);
      expect(s.cases).toBe(180);
      expect(s.accepted + s.clearErrors).toBe(s.cases);
      // Every truncation shortens the file, and each format notices: at least the 60 truncations fail.
      expect(s.clearErrors, `${s.reader} clear errors`).toBeGreaterThanOrEqual(60);
    }
  });
});
