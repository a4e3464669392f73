import { ShapeError } from '@befunet/common';
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
  type Rows,
  seededValues,
  toRows,
  weightsOf,
} from '../test/reference.js';
import { ClsCrossAttention, clsCrossAttentionFlops } from './cls-cross-attention.js';

const [DIM, OTHER, HEADS, N] = [4, 6, 2, 5];

function make() {
  const layer = new ClsCrossAttention({ dim: DIM, otherDim: OTHER, numHeads: HEADS, seed: 4 });
  const cls = tf.tensor3d(seededValues(2 * DIM, 1), [2, 1, DIM]);
  const other = tf.tensor3d(seededValues(2 * N * OTHER, 2), [2, N, OTHER]);
  layer.apply([cls, other]);
  perturbWeights(layer);
  return { layer, cls, other };
}

describe('ClsCrossAttention', () => {
  it("computes g(f(CLS) + MCA(LN([f(CLS) || P']))) with the class token as the only query", async () => {
    const { layer, cls, other } = make();
    const w = await weightsOf(layer);
    const get = (k: string) => w.get(k)!;
    const proj = (x: Rows, p: string, units: number) =>
      linearRef(
        mapRows(layerNormRef(x, get(`${p}/norm/gamma`), get(`${p}/norm/beta`)), geluRef),
        get(`${p}/fc/kernel`),
        get(`${p}/fc/bias`),
        units,
      );
    const clsV = await cls.data();
    const otherV = await other.data();
    const expected: number[] = [];
    for (let b = 0; b < 2; b++) {
      const c = proj(toRows(clsV, 1, DIM, b * DIM), 'f', OTHER);
      const x = layerNormRef(
        [...c, ...toRows(otherV, N, OTHER, b * N * OTHER)],
        get('norm/gamma'),
        get('norm/beta'),
      );
      const q = linearRef(x.slice(0, 1), get('q/kernel'), get('q/bias'), OTHER);
      const kv = linearRef(x, get('kv/kernel'), get('kv/bias'), 2 * OTHER);
      const k = kv.map((r) => r.slice(0, OTHER));
      const v = kv.map((r) => r.slice(OTHER));
      const y = addRows(
        c,
        linearRef(attentionRef(q, k, v, HEADS), get('proj/kernel'), get('proj/bias'), OTHER),
      );
      expected.push(...proj(y, 'g', DIM).flat());
    }
    const out = layer.apply([cls, other]) as tf.Tensor;
    expect(out.shape).toEqual([2, 1, DIM]);
    await expectClose(out, expected, TOLERANCE.layer, 'new class token');
  });

  it('counts f, LN, q, kv, proj and g', () => {
    const { layer } = make();
    const projParams = (i: number, o: number) => 2 * i + i * o + o;
    const expected =
      projParams(DIM, OTHER) +
      2 * OTHER +
      (OTHER * OTHER + OTHER) +
      (OTHER * 2 * OTHER + 2 * OTHER) +
      (OTHER * OTHER + OTHER) +
      projParams(OTHER, DIM);
    expect(layer.countParams()).toBe(expected);
  });

  it('has a FLOP count linear in the number of tokens', () => {
    const step = clsCrossAttentionFlops(2, 8, 16) - clsCrossAttentionFlops(1, 8, 16);
    expect(clsCrossAttentionFlops(1001, 8, 16) - clsCrossAttentionFlops(1000, 8, 16)).toBe(step);
    // per extra token: keys and values (2 * 2 * C'^2) plus score and weighted sum (2 * 2 * C').
    expect(step).toBe(4 * 16 * 16 + 4 * 16);
  });

  it('does not leak', async () => {
    const { layer, cls, other } = make();
    await expectNoLeak(() => layer.apply([cls, other]));
  });

  it('computes the same on this backend as on cpu', async () => {
    const forward = async () => {
      const { layer, cls, other } = make();
      const out = layer.apply([cls, other]) as tf.Tensor;
      const values = await out.data();
      tf.dispose([out, cls, other]);
      layer.dispose();
      return values;
    };
    const here = await forward();
    const onCpu = await runOnBackend('cpu', forward);
    expect(closeness(here, onCpu, TOLERANCE.layer).mismatches).toBe(0);
  });

  it('rejects class tokens or other tokens of the wrong width', () => {
    const { layer, cls, other } = make();
    expect(() => layer.apply([tf.zeros([2, 1, OTHER]), other])).toThrow(ShapeError);
    expect(() => layer.apply([cls, tf.zeros([2, N, DIM])])).toThrow(/otherTokens must have shape \[B,N,6\]/);
    expect(() => layer.apply([tf.zeros([2, 2, DIM]), other])).toThrow(/classToken must have shape \[B,1,4\]/);
  });
});
