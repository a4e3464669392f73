import { ConfigError } from '@befunet/common';
import { expectError, expectNoLeak } from '@befunet/testing';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { createBefunet } from './befunet.js';
import { befunetConfig } from './config.js';
import { initializeWeights } from './initialize-weights.js';

// The tiny preset, made smaller still (as in the trainer's tests).
const OVERRIDES = {
  imageSize: 32,
  edgeChannels: 8,
  swin: { embedDim: 8 },
  decoder: { width: 16, predChannels: 8, groups: 8 },
};
const CONFIG = befunetConfig('tiny', OVERRIDES);

async function valuesByName(model: tfl.LayersModel): Promise<Map<string, Float32Array>> {
  const values = new Map<string, Float32Array>();
  for (const w of model.weights) values.set(w.originalName, (await w.read().data()) as Float32Array);
  return values;
}

/**
 * What each weight of the tiny model is initialised from, written down from the layers' sources:
 * PdcConv and PdcBlock default to He normal, EdgeHead's 1x1 conv to Glorot uniform, tfjs-layers'
 * Conv2D to Glorot normal; Swin, LCAF and DLF use a truncated normal of std 0.02 for their dense
 * kernels and position tables; norms start at gamma 1, beta 0; biases at 0. TF.js's "normal"
 * variance scaling draws a normal truncated at 2 std.
 */
type Expected = { constant: number } | { truncatedStd: number } | { uniformLimit: number };
function expectedInitializer(name: string, shape: number[]): Expected {
  const role = name.split('/').at(-1)!;
  if (role === 'gamma') return { constant: 1 };
  if (role === 'beta' || role === 'bias') return { constant: 0 };
  // Convolution kernels [kh, kw, in, out]: fan in kh kw in, fan out kh kw out.
  const field = shape.length === 4 ? shape[0]! * shape[1]! : 1;
  const fanIn = field * shape.at(-2)!;
  const fanOut = field * shape.at(-1)!;
  if (name.startsWith('edge_encoder/')) return { truncatedStd: Math.sqrt(2 / fanIn) };
  if (name.startsWith('edge_head_')) return { uniformLimit: Math.sqrt(6 / (fanIn + fanOut)) };
  if (name.startsWith('patch_embed/proj/') || name.startsWith('decoder/')) {
    return { truncatedStd: Math.sqrt(2 / (fanIn + fanOut)) };
  }
  return { truncatedStd: 0.02 };
}

// Std of a standard normal truncated to [-2, 2]: sqrt(1 - 2 * 2 phi(2) / (Phi(2) - Phi(-2))), with
// phi(2) = exp(-2) / sqrt(2 pi) and Phi(2) - Phi(-2) = erf(sqrt 2) = 0.9544997361036416.
const TRUNCATED_STD = Math.sqrt(1 - (4 * Math.exp(-2)) / Math.sqrt(2 * Math.PI) / 0.9544997361036416);

interface Moments {
  mean: number;
  std: number;
  maxAbs: number;
}
function moments(values: Float32Array): Moments {
  let sum = 0;
  let squares = 0;
  let maxAbs = 0;
  for (const x of values) {
    sum += x;
    squares += x * x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean * mean), maxAbs };
}

/**
 * Checks every weight of `model` against `expectedInitializer`: constants exactly; random weights
 * within their bounds, with mean and std within 5 standard errors of the formula (std error of the
 * std taken as std * sqrt(1 / (2n)), an upper bound for these light-tailed laws); and the values of
 * all truncated-normal weights, each divided by its nominal std, pooled: std within 1% of
 * TRUNCATED_STD.
 */
async function expectInitialDistributions(model: tfl.LayersModel): Promise<number> {
  const pooled: number[] = [];
  for (const [name, values] of await valuesByName(model)) {
    const shape = model.weights.find((w) => w.originalName === name)!.shape as number[];
    const expected = expectedInitializer(name, shape);
    if ('constant' in expected) {
      expect(
        values.every((x) => x === expected.constant),
        `${name} is all ${expected.constant}`,
      ).toBe(true);
      continue;
    }
    const m = moments(values);
    const [bound, std] =
      'truncatedStd' in expected
        ? [2 * expected.truncatedStd, expected.truncatedStd * TRUNCATED_STD]
        : [expected.uniformLimit, expected.uniformLimit / Math.sqrt(3)];
    const n = values.length;
    expect(m.maxAbs, `${name}: |x| <= ${bound}`).toBeLessThanOrEqual(bound * (1 + 1e-6));
    expect(Math.abs(m.mean), `${name}: mean ${m.mean}`).toBeLessThan((5 * std) / Math.sqrt(n));
    expect(Math.abs(m.std - std), `${name}: std ${m.std} vs ${std}`).toBeLessThan(
      5 * std * Math.sqrt(1 / (2 * n)),
    );
    if ('truncatedStd' in expected) for (const x of values) pooled.push(x / expected.truncatedStd);
  }
  const all = moments(Float32Array.from(pooled));
  expect(Math.abs(all.std / TRUNCATED_STD - 1), `pooled std ${all.std}`).toBeLessThan(0.01);
  return pooled.length;
}

describe('initializeWeights', () => {
  it('gives bitwise-identical weights for one seed, in separately built models', async () => {
    const a = createBefunet(CONFIG, {}, { seed: 5 });
    // Another model between the two: a weight's draw does not depend on what was built before.
    const other = createBefunet(befunetConfig('tiny', { ...OVERRIDES, numClasses: 3 }), {}, { seed: 5 });
    const b = createBefunet(CONFIG);
    initializeWeights(b, 5);
    const [va, vb, vo] = [await valuesByName(a), await valuesByName(b), await valuesByName(other)];
    expect([...vb.keys()]).toEqual([...va.keys()]);
    for (const [name, values] of va) expect(vb.get(name), name).toEqual(values);
    // A weight's values depend on the seed and its name only: the other model's weights of the same
    // name and shape (all but the segmentation head's) are the same too.
    const head = /^decoder\/segmentationHead\//;
    for (const [name, values] of vo) {
      if (head.test(name)) expect(values.length).not.toBe(va.get(name)!.length);
      else expect(values, name).toEqual(va.get(name));
    }
    for (const m of [a, b, other]) m.dispose();
  });

  it('gives other weights for another seed, and differs from weight to weight', async () => {
    const [a, b] = [createBefunet(CONFIG, {}, { seed: 5 }), createBefunet(CONFIG, {}, { seed: 6 })];
    const [va, vb] = [await valuesByName(a), await valuesByName(b)];
    const firsts = new Set<number>();
    for (const [name, values] of va) {
      if (values.every((x) => x === values[0])) continue; // constants (norms, biases)
      const same = values.filter((x, i) => x === vb.get(name)![i]).length;
      expect(same, `${name}: ${same} of ${values.length} values equal`).toBe(0);
      firsts.add(values[0]!);
    }
    // No two random weights start with the same value: each has its own generator.
    expect(firsts.size).toBe(
      [...va.values()].filter((values) => !values.every((x) => x === values[0])).length,
    );
    a.dispose();
    b.dispose();
  });

  it('draws each weight from its layer initializer (mean, std, bounds by formula)', async () => {
    const model = createBefunet(CONFIG, {}, { seed: 1 });
    const pooled = await expectInitialDistributions(model);
    expect(pooled).toBeGreaterThan(50_000);
    model.dispose();
  });

  it('agrees with what TF.js itself draws (the formulas above describe the layers)', async () => {
    const model = createBefunet(CONFIG); // TF.js's own, unseeded initialisation
    await expectInitialDistributions(model);
    model.dispose();
  });

  it('leaves no tensor behind', async () => {
    const model = createBefunet(CONFIG);
    await expectNoLeak(() => initializeWeights(model, 2));
    model.dispose();
  });

  it('refuses bad seeds and initializers it cannot re-draw, naming them', () => {
    const model = createBefunet(CONFIG);
    for (const seed of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expectError(
        () => initializeWeights(model, seed),
        ConfigError,
        /^initializeWeights: seed must be an integer >= 0, got/,
      );
    }
    model.dispose();
    const input = tfl.input({ shape: [4] });
    const identity = tfl.model({
      inputs: input,
      outputs: tfl.layers
        .dense({ units: 4, name: 'rotation', kernelInitializer: 'identity' })
        .apply(input) as tfl.SymbolicTensor,
      name: 'identity_model',
    });
    expectError(
      () => initializeWeights(identity, 1),
      ConfigError,
      /weight 'rotation\/kernel': initializer 'Identity' cannot be re-drawn from a seed/,
    );
    identity.dispose();
  });

  it('refuses a weight whose layer gives no initializer and whose role is unknown', () => {
    class Mystery extends tfl.layers.Layer {
      static className = 'Mystery';
      override build(): void {
        this.addWeight('mystery', [2], 'float32', tfl.initializers.ones());
        this.built = true;
      }
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return x as tf.Tensor;
      }
    }
    const input = tfl.input({ shape: [2] });
    const model = tfl.model({
      inputs: input,
      outputs: new Mystery({ name: 'odd' }).apply(input) as tfl.SymbolicTensor,
    });
    expectError(
      () => initializeWeights(model, 1),
      ConfigError,
      /weight 'odd\/mystery': layer 'odd' \(Mystery\) gives no initializer for a 'mystery' weight/,
    );
    model.dispose();
  });
});
