import { ConfigError, DTypeError, ShapeError } from '@befunet/common';
import { saveAndReload } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '../../testing/src/index.ts';
import { perturbWeights, seededValues } from '../test/reference.js';
import { Dlf, type DlfArgs } from './dlf.js';

/** A tiny DLF: large level 4x4x8, small level 2x2x16. */
const TINY: DlfArgs = {
  largeDim: 8,
  smallDim: 16,
  largeGrid: [4, 4],
  smallGrid: [2, 2],
  largeHeads: 2,
  smallHeads: 4,
  seed: 1,
};

function inputs(args: DlfArgs, batch = 2, seed = 1): [tf.Tensor4D, tf.Tensor4D] {
  const [hl, wl] = args.largeGrid;
  const [hs, ws] = args.smallGrid;
  return [
    tf.tensor4d(seededValues(batch * hl * wl * args.largeDim, seed), [batch, hl, wl, args.largeDim]),
    tf.tensor4d(seededValues(batch * hs * ws * args.smallDim, seed + 100), [batch, hs, ws, args.smallDim]),
  ];
}

/** A built DLF whose weights are seeded and non-trivial (biases, offsets, gains off their init). */
function make(args: DlfArgs = TINY, batch = 2): { dlf: Dlf; x: [tf.Tensor4D, tf.Tensor4D] } {
  const dlf = new Dlf(args);
  const x = inputs(args, batch);
  tf.dispose(dlf.apply(x) as tf.Tensor[]);
  perturbWeights(dlf, 0.3, 5);
  return { dlf, x };
}

const maxAbsDiff = async (a: tf.Tensor, b: tf.Tensor) => (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!;
const maxAbs = async (a: tf.Tensor) => (await tf.max(tf.abs(a)).data())[0]!;

/** Independent parameter count: sum of the shapes each part must have. */
interface ParamArgs {
  largeDim: number;
  smallDim: number;
  largeGrid: [number, number];
  smallGrid: [number, number];
  largeDepth: number;
  smallDepth: number;
  mixDepth: number;
  numBlocks: number;
  mlpRatio: number;
}

function expectedParams(a: ParamArgs): number {
  const lin = (i: number, o: number) => i * o + o;
  const ln = (c: number) => 2 * c;
  const hidden = (c: number) => Math.round(c * a.mlpRatio);
  const enc = (c: number) =>
    ln(c) + lin(c, 3 * c) + lin(c, c) + ln(c) + lin(c, hidden(c)) + lin(hidden(c), c);
  const fg = (i: number, o: number) => ln(i) + lin(i, o);
  const cross = (c: number, o: number) => fg(c, o) + ln(o) + lin(o, o) + lin(o, 2 * o) + lin(o, o) + fg(o, c);
  const embed = (c: number, g: [number, number]) => (g[0] * g[1] + 1) * c + ln(c);
  const [cl, cs] = [a.largeDim, a.smallDim];
  const block =
    (a.largeDepth + a.mixDepth) * enc(cl) +
    (a.smallDepth + a.mixDepth) * enc(cs) +
    cross(cl, cs) +
    cross(cs, cl);
  return embed(cl, a.largeGrid) + embed(cs, a.smallGrid) + a.numBlocks * block + ln(cl) + ln(cs);
}

describe('Dlf', () => {
  it('returns both levels in their input layout and width, and the class tokens', () => {
    const cases: [DlfArgs, number, boolean][] = [
      [TINY, 2, true],
      [{ ...TINY, largeGrid: [6, 4], smallGrid: [3, 2] }, 1, false],
      [{ ...TINY, largeGrid: [8, 8], smallGrid: [1, 1], largeDim: 4, smallDim: 12, smallHeads: 3 }, 3, true],
    ];
    for (const [args, batch, asTokens] of cases) {
      const dlf = new Dlf(args);
      let [l, s]: tf.Tensor[] = inputs(args, batch);
      if (asTokens) l = tf.reshape(l, [batch, -1, args.largeDim]);
      const out = dlf.apply([l, s]) as tf.Tensor[];
      expect(out.map((t) => t.shape)).toEqual([
        l.shape,
        s.shape,
        [batch, args.largeDim],
        [batch, args.smallDim],
      ]);
      tf.dispose([l, s, ...out]);
      dlf.dispose();
    }
  });

  it('gives symbolic output shapes with a free batch, and only patch tokens when asked', () => {
    const dlf = new Dlf({ ...TINY, returnClassTokens: false });
    const out = dlf.apply([
      tfl.input({ shape: [16, 8] }),
      tfl.input({ shape: [2, 2, 16] }),
    ]) as tfl.SymbolicTensor[];
    expect(out.map((t) => t.shape)).toEqual([
      [null, 16, 8],
      [null, 2, 2, 16],
    ]);
  });

  it('fuses: perturbing the small level changes the large level output, and vice versa', async () => {
    const { dlf, x } = make();
    const [l, s] = x;
    const dl = tf.mul(tf.tensor4d(seededValues(l.size, 77), l.shape), 0.5);
    const ds = tf.mul(tf.tensor4d(seededValues(s.size, 78), s.shape), 0.5);
    const base = dlf.apply([l, s]) as tf.Tensor[];
    const fromSmall = dlf.apply([l, tf.add(s, ds)]) as tf.Tensor[];
    const fromLarge = dlf.apply([tf.add(l, dl), s]) as tf.Tensor[];
    // The patch tokens the decoder reads (outputs 0 and 1) change with the other level: by a sizeable
    // fraction of their scale (LN outputs, ~1), not by float noise.
    const largeChange = await maxAbsDiff(fromSmall[0]!, base[0]!);
    const smallChange = await maxAbsDiff(fromLarge[1]!, base[1]!);
    expect(largeChange).toBeGreaterThan(1e-2 * (await maxAbs(base[0]!)));
    expect(smallChange).toBeGreaterThan(1e-2 * (await maxAbs(base[1]!)));
    // Every large-level token moves (the class token reaches all of them through the mixing encoder).
    const perToken = tf.max(tf.abs(tf.sub(fromSmall[0]!, base[0]!)), -1);
    expect((await tf.min(perToken).data())[0]).toBeGreaterThan(0);
    // And the class tokens carry it too.
    expect(await maxAbsDiff(fromSmall[2]!, base[2]!)).toBeGreaterThan(0);
    expect(await maxAbsDiff(fromLarge[3]!, base[3]!)).toBeGreaterThan(0);
  });

  it('fuses with stacked blocks', async () => {
    const { dlf, x } = make({ ...TINY, numBlocks: 2, largeDepth: 0, smallDepth: 1 });
    const [l, s] = x;
    const base = dlf.apply([l, s]) as tf.Tensor[];
    const moved = dlf.apply([l, tf.mul(s, -2)]) as tf.Tensor[];
    expect(await maxAbsDiff(moved[0]!, base[0]!)).toBeGreaterThan(1e-2 * (await maxAbs(base[0]!)));
  });

  it('fuses already at the default initialisation, weakly', async () => {
    // Truncated-normal (std 0.02) weights make the cross-level path a product of small gains at
    // init (about 1e-6 here); training grows it: every weight on it gets a gradient (next test).
    const dlf = new Dlf(TINY);
    const [l, s] = inputs(TINY);
    const base = dlf.apply([l, s]) as tf.Tensor[];
    const moved = dlf.apply([l, tf.mul(s, -2)]) as tf.Tensor[];
    expect(await maxAbsDiff(moved[0]!, base[0]!)).toBeGreaterThan(0);
  });

  it('gives every parameter a non-zero gradient from a loss on the output patch tokens only', async () => {
    const { dlf, x } = make({ ...TINY, numBlocks: 2 });
    const [rl, rs] = [
      tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 3),
      tf.randomNormal([2, 2, 2, 16], 0, 1, 'float32', 4),
    ];
    const vars = dlf.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const [pl, ps] = dlf.apply(x) as tf.Tensor[];
      // A weighted sum: a plain sum of LayerNorm outputs has zero gradient at init.
      return tf.add(tf.sum(tf.mul(pl!, rl)), tf.sum(tf.mul(ps!, rs))) as tf.Scalar;
    }, vars);
    expect(Object.keys(grads)).toHaveLength(dlf.trainableWeights.length);
    const zero: string[] = [];
    for (const w of dlf.trainableWeights) {
      const g = grads[(w.read() as tf.Variable).name];
      if (!g || (await maxAbs(g)) === 0) zero.push(w.originalName);
    }
    expect(zero).toEqual([]);
    tf.dispose(grads);
  });

  it('counts its parameters as an independent formula says, at test and at paper size', () => {
    const defaults = {
      largeHeads: 6,
      smallHeads: 12,
      largeDepth: 1,
      smallDepth: 2,
      mixDepth: 1,
      numBlocks: 1,
      mlpRatio: 2,
    };
    const { dlf } = make();
    expect(dlf.countParams()).toBe(expectedParams({ ...defaults, ...TINY }));
    const odd = { ...TINY, numBlocks: 2, mixDepth: 2, largeDepth: 0, mlpRatio: 1.5 };
    const { dlf: dlf2 } = make(odd);
    expect(dlf2.countParams()).toBe(expectedParams({ ...defaults, ...odd }));
    // Paper size (Swin-T widths, 224 input), built symbolically: no forward pass.
    const paper = new Dlf({ largeDim: 96, smallDim: 768, largeGrid: [56, 56], smallGrid: [7, 7] });
    paper.apply([tfl.input({ shape: [56, 56, 96] }), tfl.input({ shape: [7, 7, 768] })]);
    const n = expectedParams({
      ...defaults,
      largeDim: 96,
      smallDim: 768,
      largeGrid: [56, 56],
      smallGrid: [7, 7],
    });
    expect(paper.countParams()).toBe(n);
    // Hand count: embeddings 301,344 + 39,936; encoders 2 x 74,784 (C) + 3 x 4,727,040 (8C);
    // exchanges 2,513,952 + 187,488; final norms 1,728.
    expect(n).toBe(17_375_136);
    paper.dispose();
  });

  it('saves and reloads in a model with identical outputs', async () => {
    const inL = tfl.input({ shape: [4, 4, 8] });
    const inS = tfl.input({ shape: [4, 16] });
    const dlf = new Dlf({ ...TINY, name: 'dlf' });
    const model = tfl.model({ inputs: [inL, inS], outputs: dlf.apply([inL, inS]) as tfl.SymbolicTensor[] });
    perturbWeights(dlf, 0.3, 9);
    const [l, s] = inputs(TINY);
    const xs = [l, tf.reshape(s, [2, 4, 16])];
    const before = model.predict(xs) as tf.Tensor[];
    const reloaded = await saveAndReload(model);
    expect(reloaded.countParams()).toBe(model.countParams());
    const config = reloaded.getLayer('dlf').getConfig();
    expect(config).toMatchObject({
      largeGrid: [4, 4],
      smallGrid: [2, 2],
      largeHeads: 2,
      smallHeads: 4,
      mixDepth: 1,
    });
    const after = reloaded.predict(xs) as tf.Tensor[];
    for (let i = 0; i < 4; i++) await expectClose(after[i]!, before[i]!, TOLERANCE.exact, `output ${i}`);
    model.dispose();
    reloaded.dispose();
  });

  it('trains: one fit step on the patch tokens changes every weight', async () => {
    const inL = tfl.input({ shape: [4, 4, 8] });
    const inS = tfl.input({ shape: [2, 2, 16] });
    const dlf = new Dlf({ ...TINY, returnClassTokens: false });
    const model = tfl.model({ inputs: [inL, inS], outputs: dlf.apply([inL, inS]) as tfl.SymbolicTensor[] });
    perturbWeights(dlf, 0.3, 13);
    // Scalar losses: tfjs-layers adds the per-output losses before reducing them, which fails for
    // outputs of different shapes with the built-in 'meanSquaredError'.
    const mse = (t: tf.Tensor, p: tf.Tensor) => tf.mean(tf.squaredDifference(t, p));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: [mse, mse] });
    const x = inputs(TINY);
    const y = [
      tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 21),
      tf.randomNormal([2, 2, 2, 16], 0, 1, 'float32', 22),
    ];
    const before = await Promise.all(dlf.weights.map((w) => w.read().data()));
    await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    const unchanged: string[] = [];
    for (const [i, w] of dlf.weights.entries()) {
      const after = await w.read().data();
      if (after.every((v, j) => v === before[i]![j])) unchanged.push(w.originalName);
    }
    expect(unchanged).toEqual([]);
    model.dispose();
  });

  it('releases every weight on dispose', () => {
    const before = tf.memory().numTensors;
    const dlf = new Dlf(TINY);
    const x = inputs(TINY);
    tf.dispose(dlf.apply(x) as tf.Tensor[]);
    tf.dispose(x);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    dlf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips its config through fromConfig', () => {
    const dlf = new Dlf({ ...TINY, numBlocks: 2, mlpRatio: 3, qkvBias: false, returnClassTokens: false });
    const copy = tf.serialization.SerializationMap.getMap().classNameMap['befunet>Dlf']![1](
      Dlf,
      dlf.getConfig(),
    ) as Dlf;
    expect(copy.getConfig()).toEqual(dlf.getConfig());
  });

  it('does not leak', async () => {
    const { dlf, x } = make();
    await expectNoLeak(() => dlf.apply(x));
  });

  it('computes the same on this backend as on cpu', async () => {
    const forward = async () => {
      const { dlf, x } = make();
      const out = dlf.apply(x) as tf.Tensor[];
      const values = await tf.concat(out.map((t) => tf.reshape(t, [-1]))).data();
      tf.dispose([...out, ...x]);
      dlf.dispose();
      return values;
    };
    const here = await forward();
    const onCpu = await runOnBackend('cpu', forward);
    const c = closeness(here, onCpu, TOLERANCE.layer);
    expect(c.mismatches, `max abs error ${c.maxAbsError}`).toBe(0);
  });

  it('rejects inputs whose widths or grids do not match the configuration', () => {
    const { dlf, x } = make();
    const [l, s] = x;
    expect(() => dlf.apply([l, tf.zeros([2, 2, 2, 8])])).toThrow(ShapeError);
    expect(() => dlf.apply([l, tf.zeros([2, 2, 2, 8])])).toThrow(
      'smallLevel (P^s) must have shape [?,2,2,16] or [?,4,16] (grid [2,2], width 16 from the configuration), got [2,2,2,8]',
    );
    expect(() => dlf.apply([tf.zeros([2, 5, 4, 8]), s])).toThrow(
      /largeLevel \(P\^l\) must have shape \[\?,4,4,8\]/,
    );
    expect(() => dlf.apply([tf.zeros([2, 15, 8]), s])).toThrow(ShapeError);
    expect(() => dlf.apply([tf.zeros([2, 128]), s])).toThrow(ShapeError);
    expect(() => dlf.apply([l])).toThrow(/two inputs/);
    expect(() => dlf.apply([tf.zeros([2, 4, 4, 8], 'int32'), s])).toThrow(DTypeError);
    // Unbuilt: the check runs in build, before any weight is made.
    expect(() => new Dlf(TINY).apply([l, tf.zeros([2, 3, 3, 16])])).toThrow(ShapeError);
  });

  it('rejects inconsistent configurations', () => {
    expect(() => new Dlf({ ...TINY, largeHeads: 3 })).toThrow(ConfigError);
    expect(() => new Dlf({ ...TINY, smallHeads: 5 })).toThrow(/smallHeads: 5 heads must divide the width 16/);
    expect(() => new Dlf({ ...TINY, mixDepth: 0 })).toThrow(/mixDepth/);
    expect(() => new Dlf({ ...TINY, numBlocks: 0 })).toThrow(ConfigError);
    expect(() => new Dlf({ ...TINY, largeGrid: [4, 0] })).toThrow(/largeGrid must be \[height, width\]/);
    expect(() => new Dlf({ ...TINY, smallDim: 2.5 })).toThrow(ConfigError);
    expect(() => new Dlf({ ...TINY, mlpRatio: 0 })).toThrow(ConfigError);
  });
});
