import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { closeness, fixtureTensor, loadFixture, nchwToNhwc } from '../../testing/src/index.ts';
import { PatchMerging } from './patch-merging.js';
import { SwinStage } from './swin-stage.js';
import { loadSwinWeights } from './weights.js';

const MODEL = 'official/official_mini.safetensors';
const IO = 'official/official_mini_io.safetensors';
const SWIN = 'All2Cross.pyramid.swin_transformer.';
const TOL = { atol: 1e-4, rtol: 1e-4 };

/** Tokens [1, H*W, C] (row-major, h outer) -> NHWC. */
function tokensToMap(t: tf.Tensor): tf.Tensor4D {
  const [b, l, c] = t.shape as [number, number, number];
  const side = Math.round(Math.sqrt(l));
  return tf.reshape(t, [b, side, side, c]);
}

async function compare(actual: tf.Tensor, expected: tf.Tensor, what: string) {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const a = await actual.data();
  const e = await expected.data();
  const c = closeness(a as Float32Array, e as Float32Array, TOL);
  let maxRel = 0;
  for (let i = 0; i < e.length; i++)
    maxRel = Math.max(maxRel, Math.abs(a[i]! - e[i]!) / (Math.abs(e[i]!) + 1e-3));
  let scale = 0;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  console.log(
    `${what}: max |expected| ${scale.toExponential(2)}, max abs err ${c.maxAbsError.toExponential(2)}, max rel ${maxRel.toExponential(2)} (${tf.getBackend()})`,
  );
  expect(c.mismatches, `${what}: worst ${c.worstActual} vs ${c.worstExpected} at ${c.worstIndex}`).toBe(0);
}

const STAGES = [
  { k: 0, dim: 16, depth: 2, heads: 1, input: 'p1_ch' },
  { k: 1, dim: 32, depth: 2, heads: 2, input: 'p1_pm' },
  { k: 2, dim: 64, depth: 6, heads: 4, input: 'p2_pm' },
  { k: 3, dim: 128, depth: 2, heads: 8, input: 'p3_pm' },
] as const;

describe('SwinStage parity with the official code (official_mini_io)', () => {
  const model = loadFixture(MODEL);
  const io = loadFixture(IO);
  for (const s of STAGES) {
    it(`stage ${s.k} on ${s.input} gives swin_stage${s.k}`, async () => {
      const stage = new SwinStage({
        name: `stage${s.k}`,
        dim: s.dim,
        depth: s.depth,
        numHeads: s.heads,
        windowSize: 7,
      });
      const raw = fixtureTensor(io, s.input);
      const x = raw.rank === 4 ? nchwToNhwc(raw) : tokensToMap(raw);
      stage.apply(x); // build
      const report = loadSwinWeights(stage, model.tensors, { prefix: `${SWIN}layers.${s.k}.` });
      expect(report.loaded.length).toBe(stage.weights.length);
      const y = stage.apply(x) as tf.Tensor;
      const expected = tokensToMap(fixtureTensor(io, `swin_stage${s.k}`));
      await compare(y, expected, `swin_stage${s.k}`);
      tf.dispose([raw, x, y, expected]);
      stage.dispose();
    });
  }

  it('patch merging of S1 gives p1_pm', async () => {
    const pm = new PatchMerging({ name: 'p1_pm', dim: 16 });
    const x = tokensToMap(fixtureTensor(io, 'S1'));
    pm.apply(x);
    loadSwinWeights(pm, model.tensors, { prefix: 'All2Cross.pyramid.p1_pm.' });
    const y = pm.apply(x) as tf.Tensor;
    const expected = tokensToMap(fixtureTensor(io, 'p1_pm'));
    await compare(y, expected, 'p1_pm');
    tf.dispose([x, y, expected]);
    pm.dispose();
  });
});
