import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectClose, expectError, expectNoLeak, saveAndReload, TOLERANCE } from '../../testing/src/index.ts';
import { ConfigError, ShapeError } from './errors.js';
import { Mlp } from './mlp.js';

/** `n` float32 values in (-amplitude, amplitude) from a linear congruential generator. */
const seeded = (n: number, seed: number, amplitude = 1) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 30 - 1) * amplitude;
  });
};

/** erf by its Maclaurin series (exact to ~1e-12 for |x| < 4; beyond, 1 - erf < 1e-7). */
function erf(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
    if (Math.abs(term) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const phi = (a: number) => Math.exp((-a * a) / 2) / Math.sqrt(2 * Math.PI);
const cdf = (a: number) => 0.5 * (1 + erf(a / Math.SQRT2));
const geluExact = (a: number) => a * cdf(a);
const geluDerivative = (a: number) => cdf(a) + a * phi(a);

interface Weights {
  dim: number;
  hidden: number;
  out: number;
  w1: Float32Array; // [dim, hidden]
  b1: Float32Array;
  w2: Float32Array; // [hidden, out]
  b2: Float32Array;
}

function makeWeights(dim: number, hidden: number, out: number, seed: number): Weights {
  return {
    dim,
    hidden,
    out,
    w1: seeded(dim * hidden, seed, 0.8),
    b1: seeded(hidden, seed + 1, 0.5),
    w2: seeded(hidden * out, seed + 2, 0.8),
    b2: seeded(out, seed + 3, 0.5),
  };
}

function setWeights(mlp: Mlp, w: Weights): void {
  mlp.setWeights([
    tf.tensor2d(w.w1, [w.dim, w.hidden]),
    tf.tensor1d(w.b1),
    tf.tensor2d(w.w2, [w.hidden, w.out]),
    tf.tensor1d(w.b2),
  ]);
}

/** Pre-activations a = W1 x + b1 of each row of `x`, in float64. */
function preActivations(x: ArrayLike<number>, w: Weights): Float64Array {
  const rows = x.length / w.dim;
  const a = new Float64Array(rows * w.hidden);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < w.hidden; j++) {
      let acc = w.b1[j]!;
      for (let i = 0; i < w.dim; i++) acc += x[r * w.dim + i]! * w.w1[i * w.hidden + j]!;
      a[r * w.hidden + j] = acc;
    }
  }
  return a;
}

/** The definition: W2 (keep2 * gelu(W1 x + b1)) + b2, times keep2' (dropout scales, 1 at inference). */
function reference(x: ArrayLike<number>, w: Weights, hiddenScale = 1, outScale = 1): Float64Array {
  const rows = x.length / w.dim;
  const a = preActivations(x, w);
  const y = new Float64Array(rows * w.out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < w.out; o++) {
      let acc = w.b2[o]!;
      for (let j = 0; j < w.hidden; j++) {
        acc += hiddenScale * geluExact(a[r * w.hidden + j]!) * w.w2[j * w.out + o]!;
      }
      y[r * w.out + o] = outScale * acc;
    }
  }
  return y;
}

/** Gradients of sum(y * g) with respect to W1, b1, W2, b2, by the chain rule in float64. */
function referenceGradients(x: ArrayLike<number>, g: ArrayLike<number>, w: Weights): Float64Array[] {
  const rows = x.length / w.dim;
  const a = preActivations(x, w);
  const [gw1, gb1] = [new Float64Array(w.dim * w.hidden), new Float64Array(w.hidden)];
  const [gw2, gb2] = [new Float64Array(w.hidden * w.out), new Float64Array(w.out)];
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < w.out; o++) gb2[o]! += g[r * w.out + o]!;
    for (let j = 0; j < w.hidden; j++) {
      const aj = a[r * w.hidden + j]!;
      let gh = 0;
      for (let o = 0; o < w.out; o++) {
        gw2[j * w.out + o]! += geluExact(aj) * g[r * w.out + o]!;
        gh += w.w2[j * w.out + o]! * g[r * w.out + o]!;
      }
      const ga = gh * geluDerivative(aj);
      gb1[j]! += ga;
      for (let i = 0; i < w.dim; i++) gw1[i * w.hidden + j]! += x[r * w.dim + i]! * ga;
    }
  }
  return [gw1, gb1, gw2, gb2];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('erf of this test', () => {
  it('has the known values', () => {
    // erf(0.5), erf(1), erf(2) from tables (Abramowitz and Stegun, table 7.1).
    expect(erf(0)).toBe(0);
    expect(erf(0.5)).toBeCloseTo(0.520499877813047, 12);
    expect(erf(1)).toBeCloseTo(0.842700792949715, 12);
    expect(erf(-2)).toBeCloseTo(-0.995322265018953, 12);
  });
});

describe('Mlp', () => {
  it('defaults hiddenDim to 4 dim and outDim to dim, and counts its parameters', () => {
    const mlp = new Mlp({ dim: 6 });
    expect([mlp.hiddenDim, mlp.outDim, mlp.drop]).toEqual([24, 6, 0]);
    tf.dispose(mlp.apply(tf.zeros([1, 6])) as tf.Tensor);
    expect(mlp.countParams()).toBe(6 * 24 + 24 + 24 * 6 + 6);
    const narrow = new Mlp({ dim: 5, hiddenDim: 7, outDim: 3 });
    tf.dispose(narrow.apply(tf.zeros([2, 5])) as tf.Tensor);
    expect(narrow.countParams()).toBe(5 * 7 + 7 + 7 * 3 + 3);
    expect(narrow.weights.map((w) => w.shape)).toEqual([[5, 7], [7], [7, 3], [3]]);
  });

  it('names its weights fc1 and fc2 under its own name, the same in a model and after reload', async () => {
    const names = ['ffn/fc1/kernel', 'ffn/fc1/bias', 'ffn/fc2/kernel', 'ffn/fc2/bias'];
    const alone = new Mlp({ dim: 4, hiddenDim: 8, name: 'ffn' });
    tf.dispose(alone.apply(tf.zeros([1, 4])) as tf.Tensor);
    expect(alone.weights.map((w) => w.originalName)).toEqual(names);
    expect(alone.trainableWeights.map((w) => w.originalName)).toEqual(names);

    const input = tfl.input({ shape: [3, 4] });
    const model = tfl.model({
      inputs: input,
      outputs: new Mlp({ dim: 4, hiddenDim: 8, name: 'ffn' }).apply(input) as tfl.SymbolicTensor,
    });
    expect(model.weights.map((w) => w.originalName)).toEqual(names);
    const reloaded = await saveAndReload(model);
    expect(reloaded.weights.map((w) => w.originalName)).toEqual(names);
  });

  it.each([
    [[5, 4], 4, 10, 4],
    [[2, 3, 4], 4, 16, 4],
    [[2, 2, 3, 6], 6, 9, 5],
  ])(
    'is W2 gelu_erf(W1 x + b1) + b2 on input %j (dim %i, hidden %i, out %i)',
    async (shape, dim, hidden, out) => {
      const w = makeWeights(dim, hidden, out, 3);
      const mlp = new Mlp({ dim, hiddenDim: hidden, outDim: out });
      const xs = seeded(tf.util.sizeFromShape(shape), 9, 2);
      const x = tf.tensor(xs, shape);
      mlp.apply(x);
      setWeights(mlp, w);
      const y = mlp.apply(x) as tf.Tensor;
      expect(y.shape).toEqual([...shape.slice(0, -1), out]);
      expect(mlp.computeOutputShape([null, ...shape.slice(1)])).toEqual([null, ...shape.slice(1, -1), out]);
      await expectClose(y, reference(xs, w), TOLERANCE.layer, 'Mlp');
    },
  );

  it('uses the exact erf GELU, not the tanh approximation', async () => {
    // One unit, weights 1, bias 0: y = gelu(x). At x = -2.5 the two forms differ by about 4e-4.
    const mlp = new Mlp({ dim: 1, hiddenDim: 1, outDim: 1 });
    const xs = Float32Array.from([-2.5, -1, 0.3, 2]);
    mlp.apply(tf.zeros([1, 1]));
    mlp.setWeights([tf.ones([1, 1]), tf.zeros([1]), tf.ones([1, 1]), tf.zeros([1])]);
    const y = mlp.apply(tf.tensor2d(xs, [4, 1])) as tf.Tensor;
    await expectClose(y, Array.from(xs, geluExact), TOLERANCE.op, 'gelu');
    const tanhForm = (v: number) =>
      0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expect(Math.abs(tanhForm(-2.5) - geluExact(-2.5))).toBeGreaterThan(10 * TOLERANCE.op.atol);
  });

  it('applies the kernel initialisers it is given', async () => {
    const mlp = new Mlp({ dim: 3, hiddenDim: 4, kernelInitializers: { fc1: 'ones', fc2: 'zeros' } });
    tf.dispose(mlp.apply(tf.zeros([1, 3])) as tf.Tensor);
    const [w1, , w2] = mlp.getWeights();
    expect(Array.from(await w1!.data())).toEqual(new Array(12).fill(1));
    expect(Array.from(await w2!.data())).toEqual(new Array(12).fill(0));
  });

  it('survives a getConfig / fromConfig round trip and a model save and reload', async () => {
    const mlp = new Mlp({ dim: 4, hiddenDim: 6, outDim: 3, drop: 0.25, name: 'mlp_rt' });
    const config = mlp.getConfig();
    expect(config).toMatchObject({ dim: 4, hiddenDim: 6, outDim: 3, drop: 0.25, name: 'mlp_rt' });
    const entry = tf.serialization.SerializationMap.getMap().classNameMap['befunet>Mlp'];
    expect(entry).toBeDefined();
    const copy = entry![1](Mlp, config) as Mlp;
    expect(copy).toBeInstanceOf(Mlp);
    expect([copy.dim, copy.hiddenDim, copy.outDim, copy.drop, copy.name]).toEqual([4, 6, 3, 0.25, 'mlp_rt']);
    expect(copy.getConfig()).toEqual(config);

    const input = tfl.input({ shape: [2, 4] });
    const w = makeWeights(4, 6, 3, 21);
    const inModel = new Mlp({ dim: 4, hiddenDim: 6, outDim: 3, drop: 0.25 });
    const model = tfl.model({ inputs: input, outputs: inModel.apply(input) as tfl.SymbolicTensor });
    setWeights(inModel, w);
    const reloaded = await saveAndReload(model);
    expect(reloaded.layers[1]).toBeInstanceOf(Mlp);
    expect(reloaded.layers[1]!.getConfig()).toMatchObject({ dim: 4, hiddenDim: 6, outDim: 3, drop: 0.25 });
    const xs = seeded(3 * 2 * 4, 22, 2);
    const data = tf.tensor3d(xs, [3, 2, 4]);
    await expectClose(reloaded.predict(data) as tf.Tensor, reference(xs, w), TOLERANCE.layer, 'reloaded');
  });

  it('gives every weight the gradient of the chain rule', async () => {
    const [dim, hidden, out] = [4, 6, 3];
    const w = makeWeights(dim, hidden, out, 31);
    const mlp = new Mlp({ dim, hiddenDim: hidden, outDim: out });
    const xs = seeded(5 * dim, 32, 2);
    const gs = seeded(5 * out, 33);
    const x = tf.tensor2d(xs, [5, dim]);
    const g = tf.tensor2d(gs, [5, out]);
    mlp.apply(x);
    setWeights(mlp, w);
    const variables = mlp.trainableWeights.map((v) => v.read() as tf.Variable);
    expect(variables).toHaveLength(4);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(mlp.apply(x, { training: true }) as tf.Tensor, g)) as tf.Scalar,
      variables,
    );
    const expected = referenceGradients(xs, gs, w);
    for (const [i, v] of variables.entries()) {
      const grad = grads[v.name]!;
      expect(grad.shape, v.name).toEqual(v.shape);
      await expectClose(grad, expected[i]!, TOLERANCE.layer, mlp.trainableWeights[i]!.originalName);
      expect(Math.max(...Array.from(await tf.abs(grad).data())), `${v.name} gets a gradient`).toBeGreaterThan(
        0,
      );
    }
  });

  it('moves every weight in one fit step', async () => {
    const input = tfl.input({ shape: [4] });
    const mlp = new Mlp({ dim: 4, hiddenDim: 8, outDim: 2, drop: 0.1 });
    const model = tfl.model({ inputs: input, outputs: mlp.apply(input) as tfl.SymbolicTensor });
    // Biases start at zero, the kernels small; give them values so that no gradient is zero by symmetry.
    setWeights(mlp, makeWeights(4, 8, 2, 41));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = await Promise.all(model.getWeights().map((t) => t.data()));
    await model.fit(
      tf.tensor2d(seeded(16 * 4, 42, 2), [16, 4]),
      tf.tensor2d(seeded(16 * 2, 43, 3), [16, 2]),
      {
        epochs: 1,
        batchSize: 16,
        verbose: 0,
      },
    );
    const after = await Promise.all(model.getWeights().map((t) => t.data()));
    expect(after).toHaveLength(4);
    for (const [i, a] of after.entries()) {
      const moved = Math.max(...Array.from(a, (v, j) => Math.abs(v - before[i]![j]!)));
      expect(moved, model.weights[i]!.originalName).toBeGreaterThan(1e-6);
    }
  });

  it('drops nothing at inference, and after each linear in training', async () => {
    const w = makeWeights(4, 5, 3, 51);
    const mlp = new Mlp({ dim: 4, hiddenDim: 5, outDim: 3, drop: 0.5 });
    const xs = seeded(6 * 4, 52, 2);
    const x = tf.tensor2d(xs, [6, 4]);
    mlp.apply(x);
    setWeights(mlp, w);
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.1); // would drop everything
    const expected = reference(xs, w);
    await expectClose(mlp.apply(x) as tf.Tensor, expected, TOLERANCE.layer, 'no kwargs');
    await expectClose(
      mlp.apply(x, { training: false }) as tf.Tensor,
      expected,
      TOLERANCE.layer,
      'training false',
    );
    expect(random).not.toHaveBeenCalled();
    // In a model, predict() is inference too.
    const input = tfl.input({ shape: [4] });
    const model = tfl.model({ inputs: input, outputs: mlp.apply(input) as tfl.SymbolicTensor });
    await expectClose(model.predict(x) as tf.Tensor, expected, TOLERANCE.layer, 'predict');
    expect(random).not.toHaveBeenCalled();

    // Training, every draw kept (u = 0.99): both dropouts scale by 1 / (1 - 0.5) = 2.
    random.mockReturnValue(0.99);
    await expectClose(
      mlp.apply(x, { training: true }) as tf.Tensor,
      reference(xs, w, 2, 2),
      TOLERANCE.layer,
      'kept',
    );
    expect(random).toHaveBeenCalledTimes(6 * 5 + 6 * 3);
    // Training, every draw dropped (u = 0.1): the output dropout zeroes everything.
    random.mockReturnValue(0.1);
    await expectClose(
      mlp.apply(x, { training: true }) as tf.Tensor,
      new Float64Array(18),
      TOLERANCE.exact,
      'dropped',
    );
  });

  it('does not draw in training when drop is 0', async () => {
    const mlp = new Mlp({ dim: 3, hiddenDim: 4 });
    tf.dispose(mlp.apply(tf.ones([2, 3])) as tf.Tensor); // builds (the initialisers draw)
    const random = vi.spyOn(Math, 'random');
    tf.dispose(mlp.apply(tf.ones([2, 3]), { training: true }) as tf.Tensor);
    expect(random).not.toHaveBeenCalled();
  });

  it('leaves no tensor behind', async () => {
    const mlp = new Mlp({ dim: 4, hiddenDim: 8, drop: 0.2 });
    const x = tf.tensor2d(seeded(12, 61), [3, 4]);
    await expectNoLeak(() => mlp.apply(x));
    await expectNoLeak(() => mlp.apply(x, { training: true }));
  });

  it.each([
    [{ dim: 0 }, /^Mlp: dim must be a positive integer, got 0$/],
    [{ dim: 2.5 }, /^Mlp: dim must be a positive integer, got 2.5$/],
    [{ dim: Number.NaN }, /^Mlp: dim must be a positive integer, got NaN$/],
    [{ dim: 4, hiddenDim: 0 }, /^Mlp: hiddenDim must be a positive integer, got 0$/],
    [
      { dim: 4, hiddenDim: Number.POSITIVE_INFINITY },
      /^Mlp: hiddenDim must be a positive integer, got Infinity$/,
    ],
    [{ dim: 4, outDim: -3 }, /^Mlp: outDim must be a positive integer, got -3$/],
    [{ dim: 4, drop: 1 }, /^Mlp: drop must be in \[0, 1\), got 1$/],
    [{ dim: 4, drop: -0.1 }, /^Mlp: drop must be in \[0, 1\), got -0.1$/],
    [{ dim: 4, drop: Number.NaN }, /^Mlp: drop must be in \[0, 1\), got NaN$/],
  ])('rejects %o with a ConfigError naming the argument', (args, message) => {
    expectError(() => new Mlp(args), ConfigError, message);
  });

  it('rejects input whose last axis is not dim with a ShapeError', () => {
    const mlp = new Mlp({ dim: 4 });
    expectError(
      () => mlp.apply(tf.zeros([2, 5])),
      ShapeError,
      /^Mlp input must have 4 channels \(dim\), got \[2,5\]$/,
    );
    const input = tfl.input({ shape: [3, 6] });
    expectError(() => new Mlp({ dim: 4 }).apply(input), ShapeError, /got \[\?,3,6\]/);
  });
});
