// Models saved by the code before issue 22's refactor (scripts/save-main-models.mjs, run on main at
// ce41a4f) must keep loading with the same weight names and predicting the same values.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import '../index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/main-models');

interface Saved {
  shape: number[];
  data: number[];
}

function load(name: string) {
  const { modelTopology, weightSpecs } = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
  const bin = readFileSync(join(DIR, `${name}.weights.bin`));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const io = JSON.parse(readFileSync(join(DIR, `${name}.io.json`), 'utf8')) as {
    inputs: Saved[];
    outputs: Saved[];
  };
  return { artifacts: { modelTopology, weightSpecs, weightData }, io };
}

describe('models saved before the shared attention / Mlp / window refactor', () => {
  for (const name of ['swin-block', 'swin-stage', 'lcaf', 'dlf', 'befunet']) {
    it(`${name} loads with the same weights and predicts the same values`, async () => {
      const { artifacts, io } = load(name);
      const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
      const specs = artifacts.weightSpecs as { name: string; shape: number[] }[];
      expect(model.weights.map((w) => w.originalName).sort()).toEqual(specs.map((s) => s.name).sort());
      expect(model.weights.length).toBe(specs.length);
      const xs = io.inputs.map((x) => tf.tensor(x.data, x.shape, 'float32'));
      const ys = [model.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
      expect(ys.length).toBe(io.outputs.length);
      for (const [i, y] of ys.entries()) {
        const want = io.outputs[i]!;
        expect(y.shape).toEqual(want.shape);
        const got = await y.data();
        let worst = 0;
        for (let j = 0; j < got.length; j++) {
          worst = Math.max(worst, Math.abs(got[j]! - want.data[j]!) / Math.max(1, Math.abs(want.data[j]!)));
        }
        expect(worst).toBeLessThanOrEqual(1e-6);
      }
      tf.dispose([...xs, ...ys]);
      model.dispose();
    });
  }
});
