import { ConfigError, DTypeError, ShapeError } from '@befunet/common';
import { saveAndReload } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '../../testing/src/index.ts';
import { type ReferenceOptions, randomArray, referenceFusion, setRandomWeights } from '../test/reference.ts';
import { GlobalCrossAttention } from './global-cross-attention.js';
import { Lcaf, type LcafArgs } from './lcaf.js';

interface Case {
  batch: number;
  height: number;
  width: number;
  edgeChannels: number;
  channels: number;
}

function inputs(c: Case, seed = 1) {
  const edge = randomArray(c.batch * c.height * c.width * c.edgeChannels, seed);
  const body = randomArray(c.batch * c.height * c.width * c.channels, seed + 1);
  return {
    edge,
    body,
    tensors: () => [
      tf.tensor4d(edge, [c.batch, c.height, c.width, c.edgeChannels]),
      tf.tensor4d(body, [c.batch, c.height, c.width, c.channels]),
    ],
  };
}

/** A built layer with pseudo-random weights. */
function built<T extends tfl.layers.Layer>(layer: T, c: Case, seed = 3) {
  layer.apply([
    tfl.input({ shape: [c.height, c.width, c.edgeChannels] }),
    tfl.input({ shape: [c.height, c.width, c.channels] }),
  ]);
  return { layer, weights: setRandomWeights(layer, seed) };
}

async function run(layer: tfl.layers.Layer, x: tf.Tensor[], kwargs = {}) {
  const y = layer.apply(x, kwargs) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  const shape = y.shape;
  tf.dispose([y, ...x]);
  return { values, shape };
}

const small: Case = { batch: 2, height: 5, width: 7, edgeChannels: 6, channels: 8 };

describe('Lcaf', () => {
  it('keeps the body shape, for grids and token sequences', async () => {
    const layer = new Lcaf({ heads: 2, window: 3, shift: 1, relativePositionBias: true });
    const { tensors } = inputs(small);
    const grid = await run(layer, tensors());
    expect(grid.shape).toEqual([2, 5, 7, 8]);
    const [e, b] = tensors();
    const seq = new Lcaf({ heads: 2, window: 3, grid: [5, 7] });
    const out = seq.apply([tf.reshape(e!, [2, 35, 6]), tf.reshape(b!, [2, 35, 8])]) as tf.Tensor;
    expect(out.shape).toEqual([2, 35, 8]);
    const sym = new Lcaf({ heads: 2 }).apply([
      tfl.input({ shape: [5, 7, 6] }),
      tfl.input({ shape: [5, 7, 8] }),
    ]);
    expect((sym as tfl.SymbolicTensor).shape).toEqual([null, 5, 7, 8]);
    tf.dispose([e, b, out]);
    layer.dispose();
    seq.dispose();
  });

  it('runs in a model with an open grid, on maps of any size', async () => {
    const edgeIn = tfl.input({ shape: [null, null, 4] });
    const bodyIn = tfl.input({ shape: [null, null, 8] });
    const lcaf = new Lcaf({ heads: 2, window: 3, shift: 1 });
    const out = lcaf.apply([edgeIn, bodyIn]) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, null, null, 8]);
    const model = tfl.model({ inputs: [edgeIn, bodyIn], outputs: out });
    for (const [h, w] of [
      [5, 7],
      [6, 6],
    ]) {
      const x = [tf.ones([1, h!, w!, 4]), tf.ones([1, h!, w!, 8])];
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, h, w, 8]);
      tf.dispose([x, y]);
    }
    model.dispose();
  });

  it('counts its parameters', () => {
    const c = 8;
    const ce = 6;
    const common =
      3 * 2 * c + (c * c + c) + (c * 2 * c + 2 * c) + (c * c + c) + (c * 4 * c + 4 * c) + (4 * c * c + c);
    const withProj = new Lcaf({ heads: 2, window: 3, relativePositionBias: true });
    withProj.build([
      [null, 4, 4, ce],
      [null, 4, 4, c],
    ]);
    expect(withProj.countParams()).toBe(common + (ce * c + c) + 5 * 5 * 2);
    const same = new Lcaf({ heads: 2 });
    same.build([
      [null, 4, 4, c],
      [null, 4, 4, c],
    ]);
    expect(same.countParams()).toBe(common);
    expect(same.weights.map((w) => w.originalName)).not.toContain(`${same.name}/edge_proj/kernel`);
  });

  const referenceCases: [string, Case, LcafArgs][] = [
    [
      'padded windows, edge projection, bias',
      small,
      { heads: 2, window: [3, 4], relativePositionBias: true },
    ],
    [
      'shifted and padded windows, bias',
      // Wrap-around mixes real tokens on both axes (6 rows unpadded; 8 columns padded to 9).
      { batch: 1, height: 6, width: 8, edgeChannels: 4, channels: 4 },
      { heads: 2, window: 3, shift: [2, 1], relativePositionBias: true },
    ],
    ['global attention', small, { heads: 2 }],
  ];
  for (const [what, c, args] of referenceCases) {
    it(`matches a naive loop reference: ${what}`, async () => {
      const isGlobal = what === 'global attention';
      const { layer, weights } = built(isGlobal ? new GlobalCrossAttention(args) : new Lcaf(args), c);
      const { edge, body, tensors } = inputs(c);
      const window =
        args.window === undefined
          ? undefined
          : ([args.window, args.window].flat().slice(0, 2) as [number, number]);
      const shift =
        args.shift === undefined
          ? undefined
          : ([args.shift, args.shift].flat().slice(0, 2) as [number, number]);
      const options: ReferenceOptions = {
        ...c,
        heads: args.heads,
        ...(isGlobal ? {} : { window, shift }),
        relativePositionBias: args.relativePositionBias ?? false,
      };
      const expected = referenceFusion(edge, body, weights, options);
      const { values } = await run(layer, tensors());
      const report = closeness(values, expected, TOLERANCE.layer);
      expect(report.mismatches, JSON.stringify(report)).toBe(0);
      layer.dispose();
    });
  }

  const wholeMap: [string, Case, LcafArgs][] = [
    [
      'exact window',
      { batch: 2, height: 4, width: 5, edgeChannels: 8, channels: 8 },
      { heads: 2, window: [4, 5] },
    ],
    [
      'larger, padded window',
      { batch: 1, height: 5, width: 6, edgeChannels: 3, channels: 8 },
      { heads: 4, window: 7 },
    ],
    [
      'shift ignored in a single window',
      { batch: 1, height: 3, width: 3, edgeChannels: 4, channels: 4 },
      { heads: 1, window: 4, shift: 2 },
    ],
  ];
  for (const [what, c, args] of wholeMap) {
    it(`equals global cross-attention when one window covers the map (${what})`, async () => {
      const { layer: local } = built(new Lcaf(args), c);
      const { layer: global } = built(new GlobalCrossAttention({ heads: args.heads }), c);
      global.setWeights(local.getWeights());
      const { tensors } = inputs(c, 11);
      const a = await run(local, tensors());
      const b = await run(global, tensors());
      const report = closeness(a.values, b.values, { atol: 1e-6, rtol: 1e-5 });
      expect(report.mismatches, JSON.stringify(report)).toBe(0);
      local.dispose();
      global.dispose();
    });
  }

  it('gives token sequences the result of the grid', async () => {
    const { layer } = built(new Lcaf({ heads: 2, window: 3, shift: 1 }), small);
    const { tensors } = inputs(small);
    const grid = await run(layer, tensors());
    const [e, b] = tensors();
    const seq = await run(layer, [tf.reshape(e!, [2, 35, 6]), tf.reshape(b!, [2, 35, 8])], { grid: [5, 7] });
    tf.dispose([e, b]);
    expect(seq.shape).toEqual([2, 35, 8]);
    expect(closeness(seq.values, grid.values, TOLERANCE.exact).mismatches).toBe(0);
    layer.dispose();
  });

  it('gives every weight a non-zero gradient', async () => {
    const { layer } = built(new Lcaf({ heads: 2, window: 3, shift: 1, relativePositionBias: true }), small);
    const { tensors } = inputs(small);
    const x = tensors();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar,
      layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
    );
    expect(Object.keys(grads)).toHaveLength(layer.trainableWeights.length);
    for (const [name, g] of Object.entries(grads)) {
      expect((await tf.max(tf.abs(g)).data())[0], name).toBeGreaterThan(0);
    }
    tf.dispose([value, grads, x]);
    layer.dispose();
  });

  it('trains: one fit step changes every weight', async () => {
    const c: Case = { batch: 2, height: 3, width: 4, edgeChannels: 2, channels: 4 };
    const edgeIn = tfl.input({ shape: [3, 4, 2] });
    const bodyIn = tfl.input({ shape: [3, 4, 4] });
    // No drop-path: a dropped branch would (rightly) leave its weights unchanged.
    const lcaf = new Lcaf({ heads: 2, window: 2, shift: 1, relativePositionBias: true });
    const model = tfl.model({
      inputs: [edgeIn, bodyIn],
      outputs: lcaf.apply([edgeIn, bodyIn]) as tfl.SymbolicTensor,
    });
    setRandomWeights(lcaf, 9);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = await Promise.all(model.getWeights().map((w) => w.data()));
    const { tensors } = inputs(c, 4);
    const x = tensors();
    const y = tf.tensor4d(randomArray(2 * 3 * 4 * 4, 21), [2, 3, 4, 4]);
    await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    const after = model.getWeights();
    expect(after).toHaveLength(lcaf.trainableWeights.length);
    for (let i = 0; i < after.length; i++) {
      const changed = closeness(await after[i]!.data(), before[i]!, TOLERANCE.exact).mismatches;
      expect(changed, model.weights[i]!.originalName).toBeGreaterThan(0);
    }
    tf.dispose([x, y]);
    model.dispose();
  });

  it('saves and reloads inside a model with identical outputs', async () => {
    const edgeIn = tfl.input({ shape: [5, 7, 6] });
    const bodyIn = tfl.input({ shape: [5, 7, 8] });
    const lcaf = new Lcaf({
      heads: 2,
      window: [3, 4],
      shift: [1, 2],
      relativePositionBias: true,
      dropPath: 0.1,
    });
    const model = tfl.model({
      inputs: [edgeIn, bodyIn],
      outputs: lcaf.apply([edgeIn, bodyIn]) as tfl.SymbolicTensor,
    });
    setRandomWeights(lcaf, 5);
    const { tensors } = inputs(small);
    const x = tensors();
    const before = model.predict(x) as tf.Tensor;
    const reloaded = await saveAndReload(model);
    const layer = reloaded.layers.find((l) => l instanceof Lcaf) as Lcaf;
    expect(layer.getConfig()).toEqual(lcaf.getConfig());
    expect(reloaded.countParams()).toBe(model.countParams());
    await expectClose(reloaded.predict(x) as tf.Tensor, before, TOLERANCE.exact, 'reloaded output');
    tf.dispose([x, before]);
    model.dispose();
    reloaded.dispose();
  });

  it('round-trips GlobalCrossAttention and token inputs through save and load', async () => {
    const edgeIn = tfl.input({ shape: [12, 4] });
    const bodyIn = tfl.input({ shape: [12, 8] });
    const global = new GlobalCrossAttention({ heads: 2, grid: [3, 4], mlpRatio: 2 });
    const model = tfl.model({
      inputs: [edgeIn, bodyIn],
      outputs: global.apply([edgeIn, bodyIn]) as tfl.SymbolicTensor,
    });
    setRandomWeights(global, 6);
    const x = [tf.tensor3d(randomArray(96, 1), [2, 12, 4]), tf.tensor3d(randomArray(192, 2), [2, 12, 8])];
    const before = model.predict(x) as tf.Tensor;
    const reloaded = await saveAndReload(model);
    await expectClose(reloaded.predict(x) as tf.Tensor, before, TOLERANCE.exact, 'reloaded output');
    tf.dispose([x, before]);
    model.dispose();
    reloaded.dispose();
  });

  it('computes the same on this backend as on cpu', async () => {
    const forward = async () => {
      const { layer } = built(new Lcaf({ heads: 2, window: 3, shift: 1, relativePositionBias: true }), small);
      const { tensors } = inputs(small);
      const { layer: global } = built(new GlobalCrossAttention({ heads: 2 }), small);
      const { values } = await run(layer, tensors());
      const { values: globalValues } = await run(global, tensors());
      layer.dispose();
      global.dispose();
      return [...values, ...globalValues];
    };
    const here = await forward();
    const onCpu = await runOnBackend('cpu', forward);
    const report = closeness(here, onCpu, TOLERANCE.op);
    expect(report.mismatches, JSON.stringify(report)).toBe(0);
  });

  it('leaks no tensor', async () => {
    const { layer } = built(new Lcaf({ heads: 2, window: 3, shift: 1, relativePositionBias: true }), small);
    const { layer: global } = built(new GlobalCrossAttention({ heads: 2 }), small);
    const { tensors } = inputs(small);
    const x = tensors();
    await expectNoLeak(() => layer.apply(x));
    await expectNoLeak(() => layer.apply(x, { training: true }));
    await expectNoLeak(() => global.apply(x));
    tf.dispose(x);
    layer.dispose();
    global.dispose();
  });

  it('applies drop-path in training only', async () => {
    const c: Case = { batch: 16, height: 2, width: 2, edgeChannels: 4, channels: 4 };
    const { layer } = built(new Lcaf({ heads: 1, window: 2, dropPath: 0.5 }), c);
    const { layer: plain } = built(new Lcaf({ heads: 1, window: 2 }), c);
    plain.setWeights(layer.getWeights());
    const { tensors, body } = inputs(c);
    const inference = await run(layer, tensors());
    const reference = await run(plain, tensors());
    expect(closeness(inference.values, reference.values, TOLERANCE.exact).mismatches).toBe(0);
    const trained = await run(layer, tensors(), { training: true });
    expect(closeness(trained.values, reference.values, TOLERANCE.op).mismatches).toBeGreaterThan(0);
    // A sample whose two branches are both dropped returns its body features unchanged; with 16
    // samples and p = 1/4 each, the chance that none does is 1%: count over three draws.
    let identities = 0;
    const per = c.height * c.width * c.channels;
    for (let draw = 0; draw < 3; draw++) {
      const out = draw === 0 ? trained : await run(layer, tensors(), { training: true });
      for (let s = 0; s < c.batch; s++) {
        const slice = (a: ArrayLike<number>) => Array.from(a).slice(s * per, (s + 1) * per);
        if (closeness(slice(out.values), slice(body), TOLERANCE.op).mismatches === 0) identities++;
      }
    }
    expect(identities).toBeGreaterThan(0);
    layer.dispose();
    plain.dispose();
  });

  it('rejects bad configurations', () => {
    expect(() => new Lcaf({ heads: 0 })).toThrow(ConfigError);
    expect(() => new Lcaf({ heads: 2, window: 0 })).toThrow(ConfigError);
    expect(() => new Lcaf({ heads: 2, window: [3, 3, 3] as unknown as [number, number] })).toThrow(
      ConfigError,
    );
    expect(() => new Lcaf({ heads: 2, window: 4, shift: 4 })).toThrow(/shift/);
    expect(() => new Lcaf({ heads: 2, dropPath: 1 })).toThrow(ConfigError);
    expect(() => new Lcaf({ heads: 2, grid: [3, 0] })).toThrow(ConfigError);
    const layer = new Lcaf({ heads: 3 });
    expect(() =>
      layer.build([
        [null, 4, 4, 8],
        [null, 4, 4, 8],
      ]),
    ).toThrow(/heads \(3\) must divide the body width 8/);
  });

  it('rejects mismatched inputs before computing anything', () => {
    const { layer } = built(new Lcaf({ heads: 2, window: 3 }), small);
    const before = tf.memory().numTensors;
    const t = (shape: number[], dtype: 'float32' | 'int32' = 'float32') => tf.zeros(shape, dtype);
    const cases: [tf.Tensor[], RegExp, typeof ShapeError][] = [
      [[t([2, 5, 7, 6]), t([2, 5, 6, 8])], /edge grid 5x7 differs from body grid 5x6/, ShapeError],
      [[t([2, 5, 7, 6]), t([3, 5, 7, 8])], /edge batch 2 differs from body batch 3/, ShapeError],
      [
        [t([2, 5, 7, 6]), t([2, 5, 7, 4])],
        /built for edge width 6 and body width 8, got 6 and 4/,
        ShapeError,
      ],
      [[t([2, 5, 7, 5]), t([2, 5, 7, 8])], /built for edge width 6 .* got 5 and 8/, ShapeError],
      [[t([2, 35, 6]), t([2, 5, 7, 8])], /both be \[B,H,W,C\] or both \[B,H\*W,C\]/, ShapeError],
      [[t([2, 35, 6]), t([2, 35, 8])], /need the grid/, ConfigError],
      [[t([2, 5, 7, 6])], /expects two inputs/, ShapeError],
      [[t([2, 5, 7, 6]), t([2, 5, 7, 8], 'int32')], /body must be float32, got int32/, DTypeError],
    ];
    for (const [x, message, type] of cases) {
      let error: unknown;
      try {
        layer.apply(x);
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(type);
      expect(String((error as Error).message)).toMatch(message);
      tf.dispose(x);
    }
    const tokens = [t([2, 35, 6]), t([2, 35, 8])];
    expect(() => layer.apply(tokens, { grid: [5, 6] })).toThrow(/grid 5x6 does not hold the 35 tokens/);
    tf.dispose(tokens);
    expect(tf.memory().numTensors).toBe(before);
    layer.dispose();
  });
});
