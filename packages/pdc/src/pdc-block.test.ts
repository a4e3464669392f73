import { ConfigError, ShapeError } from '@befunet/common';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { expectGradientsEverywhere, roundTrip, setDeterministicWeights, values } from '../test/helpers.js';
import { PdcBlock, type PdcBlockArgs } from './pdc-block.js';
import { pdcConv2d } from './pdc-ops.js';

function model(args: PdcBlockArgs, shape: [number, number, number] = [6, 6, 2]) {
  const input = tfl.input({ shape });
  const block = new PdcBlock({ name: 'block', ...args });
  return { block, model: tfl.model({ inputs: input, outputs: block.apply(input) as tfl.SymbolicTensor }) };
}

/** Reference from the definition, with the block's own weights. */
function reference(block: PdcBlock, x: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const pooled = block.strides === 2 ? tf.maxPool(x, 2, 2, 'valid') : x;
    const h = tf.relu(
      pdcConv2d(pooled, block.conv1.kernel.read() as tf.Tensor4D, block.op, { depthwise: true }),
    );
    const y = tf.conv2d(h, block.conv2.getWeights()[0] as tf.Tensor4D, 1, 'valid');
    const sc = block.shortcut
      ? tf.add(
          tf.conv2d(pooled, block.shortcut.getWeights()[0] as tf.Tensor4D, 1, 'valid'),
          block.shortcut.getWeights()[1]!,
        )
      : pooled;
    return tf.add(y, sc);
  });
}

describe('PdcBlock', () => {
  it('identity residual at stride 1, pooled shortcut at stride 2 (floor on odd sizes)', () => {
    const same = model({ op: 'ad' });
    expect(same.block.shortcut).toBeUndefined();
    expect(same.model.outputs[0]!.shape).toEqual([null, 6, 6, 2]);
    expect(same.model.countParams()).toBe(9 * 2 + 2 * 2);
    const down = model({ op: 'cd', strides: 2, filters: 4 }, [7, 6, 2]);
    expect(down.model.outputs[0]!.shape).toEqual([null, 3, 3, 4]);
    // conv1 18 + conv2 2*4 + shortcut 2*4 + 4
    expect(down.model.countParams()).toBe(18 + 8 + 12);
    expect(down.model.weights.map((w) => w.originalName)).toEqual([
      'block/conv1/kernel',
      'block/conv2/kernel',
      'block/shortcut/kernel',
      'block/shortcut/bias',
    ]);
    const widen = model({ op: 'cv', filters: 3 });
    expect(widen.block.shortcut).toBeDefined();
    for (const m of [same, down, widen]) m.model.dispose();
  });

  for (const args of [{ op: 'rd' }, { op: 'cd', strides: 2, filters: 3 }] as PdcBlockArgs[]) {
    it(`matches its definition (${JSON.stringify(args)}) in both forms`, async () => {
      const { block, model: m } = model(args, [7, 6, 2]);
      setDeterministicWeights(m);
      const x = tf.tensor4d(values(2 * 7 * 6 * 2, 8), [2, 7, 6, 2]);
      const expected = reference(block, x);
      await expectClose(m.predict(x) as tf.Tensor, expected, TOLERANCE.op, 'difference');
      block.setForm('converted');
      await expectClose(m.predict(x) as tf.Tensor, expected, TOLERANCE.op, 'converted');
      tf.dispose([x, expected]);
      m.dispose();
    });
  }

  it('gives every weight a gradient', async () => {
    const { model: m } = model({ op: 'ad', strides: 2, filters: 3 });
    const x = tf.tensor4d(values(6 * 6 * 2, 4), [1, 6, 6, 2]);
    await expectGradientsEverywhere(
      m.trainableWeights,
      () => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar,
    );
    x.dispose();
    m.dispose();
  });

  it('saves and reloads with identical outputs', async () => {
    const { model: m } = model({ op: 'rd', strides: 2, filters: 3, form: 'converted' });
    const x = tf.tensor4d(values(6 * 6 * 2, 5), [1, 6, 6, 2]);
    const before = m.predict(x) as tf.Tensor;
    const reloaded = await roundTrip(m);
    expect(reloaded.getLayer('block')).toBeInstanceOf(PdcBlock);
    expect(reloaded.countParams()).toBe(m.countParams());
    await expectClose(reloaded.predict(x) as tf.Tensor, before, TOLERANCE.exact, 'reloaded');
    tf.dispose([x, before]);
    m.dispose();
    reloaded.dispose();
  });

  it('leaks no tensor', async () => {
    const { model: m } = model({ op: 'cd', strides: 2 });
    const x = tf.ones([1, 6, 6, 2]);
    await expectNoLeak(() => m.predict(x));
    x.dispose();
    m.dispose();
  });

  it('rejects bad configuration and input', () => {
    expect(() => new PdcBlock({ strides: 3 as 2 })).toThrow(ConfigError);
    expect(() => new PdcBlock({ filters: 0 })).toThrow(ConfigError);
    const { model: m } = model({ op: 'cd' });
    const wrong = tf.ones([1, 6, 6, 5]);
    expect(() => m.getLayer('block').apply(wrong)).toThrow(/built for 2 input channels/);
    expect(() => new PdcBlock({}).apply(tfl.input({ shape: [4, 4] }))).toThrow(ShapeError);
    wrong.dispose();
    m.dispose();
  });

  it('computes the same on this backend as on cpu', async () => {
    const run = async () => {
      const { model: m } = model({ op: 'ad', strides: 2, filters: 3 });
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
