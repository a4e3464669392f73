import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '../../testing/src/index.ts';
import {
  addRows,
  attentionRef,
  geluRef,
  layerNormRef,
  linearRef,
  mapRows,
  perturbWeights,
  seededValues,
  toRows,
  weightsOf,
} from '../test/reference.js';
import { TransformerEncoder } from './transformer-encoder.js';

const [N, C, HEADS] = [5, 4, 2];

function make() {
  const enc = new TransformerEncoder({ dim: C, numHeads: HEADS, mlpRatio: 2, seed: 5 });
  const xs = seededValues(N * C, 3);
  const x = tf.tensor3d(xs, [1, N, C]);
  enc.apply(x);
  perturbWeights(enc);
  return { enc, x, xs };
}

describe('TransformerEncoder', () => {
  it('is z + MHSA(LN(z)), then + MLP(LN(.)) (pre-norm, global attention)', async () => {
    const { enc, x, xs } = make();
    const w = await weightsOf(enc);
    const g = (k: string) => w.get(k)!;
    const z = toRows(xs, N, C);
    const n1 = layerNormRef(z, g('norm1/gamma'), g('norm1/beta'));
    const qkv = linearRef(n1, g('attn/qkv/kernel'), g('attn/qkv/bias'), 3 * C);
    const part = (p: number) => qkv.map((r) => r.slice(p * C, (p + 1) * C));
    const a = linearRef(
      attentionRef(part(0), part(1), part(2), HEADS),
      g('attn/proj/kernel'),
      g('attn/proj/bias'),
      C,
    );
    const z1 = addRows(z, a);
    const n2 = layerNormRef(z1, g('norm2/gamma'), g('norm2/beta'));
    const h = mapRows(linearRef(n2, g('mlp/fc1/kernel'), g('mlp/fc1/bias'), 2 * C), geluRef);
    const expected = addRows(z1, linearRef(h, g('mlp/fc2/kernel'), g('mlp/fc2/bias'), C)).flat();
    await expectClose(enc.apply(x) as tf.Tensor, expected, TOLERANCE.layer, 'encoder');
  });

  it('counts 2 norms, qkv, proj and the MLP', () => {
    const { enc } = make();
    expect(enc.countParams()).toBe(
      4 * C + (3 * C * C + 3 * C) + (C * C + C) + (2 * C * C + 2 * C) + (2 * C * C + C),
    );
  });

  it('does not leak and agrees with cpu', async () => {
    const { enc, x } = make();
    await expectNoLeak(() => enc.apply(x));
    const forward = async () => {
      const m = make();
      const y = m.enc.apply(m.x) as tf.Tensor;
      const v = await y.data();
      tf.dispose([y, m.x]);
      m.enc.dispose();
      return v;
    };
    const here = await forward();
    expect(closeness(here, await runOnBackend('cpu', forward), TOLERANCE.layer).mismatches).toBe(0);
  });
});
