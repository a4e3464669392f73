import { ConfigError, ShapeError } from '@befunet/common';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { expectGradientsEverywhere, roundTrip, setDeterministicWeights, values } from '../test/helpers.js';
import { PdcConv, type PdcConvArgs } from './pdc-conv.js';
import { pdcConv2d } from './pdc-ops.js';

function model(args: PdcConvArgs, shape: [number, number, number] = [6, 6, 2]) {
  const input = tfl.input({ shape });
  const conv = new PdcConv({ name: 'pdc', ...args });
  return { conv, model: tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor }) };
}

describe('PdcConv', () => {
  it('has the weights and output shape of its configuration', () => {
    const full = model({ op: 'rd', filters: 5, useBias: true, strides: 2 });
    expect(full.model.outputs[0]!.shape).toEqual([null, 3, 3, 5]);
    expect(full.conv.kernel.shape).toEqual([3, 3, 2, 5]);
    expect(full.model.countParams()).toBe(3 * 3 * 2 * 5 + 5);
    const dw = model({ op: 'ad', depthwise: true, depthMultiplier: 3 });
    expect(dw.model.outputs[0]!.shape).toEqual([null, 6, 6, 6]);
    expect(dw.model.countParams()).toBe(3 * 3 * 2 * 3);
    expect(dw.model.weights.map((w) => w.originalName)).toEqual(['pdc/kernel']);
    tf.dispose([full.model, dw.model].flatMap((m) => m.weights.map((w) => w.read())));
  });

  it('computes pdcConv2d plus bias, in either form', async () => {
    const { conv, model: m } = model({ op: 'cd', filters: 3, useBias: true, dilationRate: 2 });
    setDeterministicWeights(m);
    const x = tf.tensor4d(values(2 * 6 * 6 * 2, 9), [2, 6, 6, 2]);
    const expected = tf.add(
      pdcConv2d(x, conv.kernel.read() as tf.Tensor4D, 'cd', { dilation: 2 }),
      conv.bias!.read(),
    );
    await expectClose(m.predict(x) as tf.Tensor, expected, TOLERANCE.op, 'difference');
    conv.setForm('converted');
    await expectClose(m.predict(x) as tf.Tensor, expected, TOLERANCE.op, 'converted');
    expect(conv.vanillaKernel().shape).toEqual([5, 5, 2, 3]);
    tf.dispose([x, expected]);
    m.dispose();
  });

  it.each([
    ['depthwise ad, stride 1 (one fused conv in inference)', { op: 'ad', depthwise: true }],
    ['full rd with bias, stride 2 (conv, bias, ReLU)', { op: 'rd', filters: 3, useBias: true, strides: 2 }],
  ] as [string, PdcConvArgs][])('with a ReLU activation is relu of the linear conv: %s', async (_, args) => {
    const linear = model(args);
    const relu = model({ ...args, activation: 'relu' });
    setDeterministicWeights(linear.model);
    relu.model.setWeights(linear.model.getWeights());
    const x = tf.tensor4d(values(2 * 6 * 6 * 2, 5), [2, 6, 6, 2]);
    const expected = tf.relu(linear.model.predict(x) as tf.Tensor);
    await expectClose(relu.model.predict(x) as tf.Tensor, expected, TOLERANCE.op, 'inference');
    const training = relu.conv.apply(x, { training: true }) as tf.Tensor;
    await expectClose(training, expected, TOLERANCE.op, 'training');
    const kernels = (await tf.profile(() => relu.model.predict(x) as tf.Tensor)).kernels.map((k) => k.name);
    // Depthwise stride 1: the ReLU is fused into the conv; with a bias it stays a ReLU kernel.
    expect(kernels.includes('Relu')).toBe(!args.depthwise);
    expect(relu.conv.getConfig().activation).toBe('relu');
    expect(() => new PdcConv({ filters: 1, activation: 'gelu' as 'relu' })).toThrow(/activation/);
    tf.dispose([x, expected, training]);
    linear.model.dispose();
    relu.model.dispose();
  });

  for (const form of ['difference', 'converted'] as const) {
    it(`gives every weight a gradient (${form})`, async () => {
      const { model: m } = model({ op: 'rd', filters: 3, useBias: true, form });
      const x = tf.tensor4d(values(6 * 6 * 2, 4), [1, 6, 6, 2]);
      await expectGradientsEverywhere(
        m.trainableWeights,
        () => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar,
      );
      x.dispose();
      m.dispose();
    });
  }

  it('saves and reloads with identical outputs and config', async () => {
    const { model: m } = model({
      op: 'ad',
      depthwise: true,
      depthMultiplier: 2,
      strides: 2,
      form: 'converted',
      useBias: true,
    });
    const x = tf.tensor4d(values(6 * 6 * 2, 5), [1, 6, 6, 2]);
    const before = m.predict(x) as tf.Tensor;
    const reloaded = await roundTrip(m);
    const layer = reloaded.getLayer('pdc') as PdcConv;
    expect(layer).toBeInstanceOf(PdcConv);
    expect(layer.getConfig()).toEqual(m.getLayer('pdc').getConfig());
    expect(layer.form).toBe('converted');
    await expectClose(reloaded.predict(x) as tf.Tensor, before, TOLERANCE.exact, 'reloaded');
    tf.dispose([x, before]);
    m.dispose();
    reloaded.dispose();
  });

  it('runs inference on a cached converted kernel, renewed when the weights change and freed on dispose', async () => {
    const { conv, model: m } = model({ op: 'ad', filters: 3 });
    const x = tf.tensor4d(values(6 * 6 * 2, 6), [1, 6, 6, 2]);
    const check = async (what: string) => {
      const expected = pdcConv2d(x, conv.kernel.read() as tf.Tensor4D, 'ad');
      const y = m.predict(x) as tf.Tensor;
      await expectClose(y, expected, TOLERANCE.op, what);
      tf.dispose([y, expected]);
    };
    const before = tf.memory().numTensors;
    await check('first call');
    expect(tf.memory().numTensors - before, 'the cached kernel').toBe(1);
    await check('cached');
    expect(tf.memory().numTensors - before).toBe(1);
    const changed = tf.mul(conv.kernel.read(), -2);
    conv.kernel.write(changed);
    changed.dispose();
    await check('after the weights changed');
    expect(tf.memory().numTensors - before, 'the old cached kernel is freed').toBe(1);
    const weights = m.weights.length;
    m.dispose();
    expect(tf.memory().numTensors).toBe(before - weights);
    x.dispose();
  });

  it('leaks no tensor', async () => {
    const { model: m } = model({ op: 'cd', filters: 2 });
    const x = tf.ones([1, 6, 6, 2]);
    await expectNoLeak(() => m.predict(x));
    x.dispose();
    m.dispose();
  });

  it('rejects bad configuration and input', () => {
    expect(() => new PdcConv({ op: 'cd' })).toThrow(/filters is required/);
    expect(() => new PdcConv({ op: 'xx' as 'cd', filters: 1 })).toThrow(ConfigError);
    expect(() => new PdcConv({ filters: 1, strides: 0 })).toThrow(ConfigError);
    const { model: m } = model({ op: 'cd', filters: 2 });
    const wrong = tf.ones([1, 6, 6, 3]);
    expect(() => m.getLayer('pdc').apply(wrong)).toThrow(ShapeError);
    expect(() => new PdcConv({ filters: 1 }).apply(tfl.input({ shape: [4, 4] }))).toThrow(/rank 4/);
    wrong.dispose();
    m.dispose();
  });

  it('computes the same on this backend as on cpu', async () => {
    const run = async () => {
      const { model: m } = model({ op: 'rd', filters: 3, useBias: true });
      setDeterministicWeights(m);
      const y = m.predict(tf.tensor4d(values(2 * 6 * 6 * 2, 3), [2, 6, 6, 2])) as tf.Tensor;
      const data = await y.data();
      m.dispose();
      return data;
    };
    const here = await run();
    expect(closeness(here, await runOnBackend('cpu', run), TOLERANCE.op).mismatches).toBe(0);
  });
});
