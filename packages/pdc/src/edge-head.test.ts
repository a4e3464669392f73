import { ShapeError } from '@befunet/common';
import { closeness, expectClose, expectNoLeak, runOnBackend, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { expectGradientsEverywhere, roundTrip, setDeterministicWeights, values } from '../test/helpers.js';
import { EdgeHead, upsampleBilinear } from './edge-head.js';

function model(activation: 'sigmoid' | 'linear' = 'sigmoid') {
  const feature = tfl.input({ shape: [2, 3, 4] });
  const image = tfl.input({ shape: [4, 6, 3] });
  const head = new EdgeHead({ name: 'head', activation });
  return tfl.model({ inputs: [feature, image], outputs: head.apply([feature, image]) as tfl.SymbolicTensor });
}

/** Naive bilinear upsampling with half-pixel centres (PyTorch align_corners=False), one channel. */
function upsample(src: Float32Array, h: number, w: number, oh: number, ow: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      const sy = Math.max(0, ((y + 0.5) * h) / oh - 0.5);
      const sx = Math.max(0, ((x + 0.5) * w) / ow - 0.5);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const y1 = Math.min(y0 + 1, h - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const fy = sy - y0;
      const fx = sx - x0;
      const v = (yy: number, xx: number) => src[yy * w + xx]!;
      out.push(
        (1 - fy) * ((1 - fx) * v(y0, x0) + fx * v(y0, x1)) + fy * ((1 - fx) * v(y1, x0) + fx * v(y1, x1)),
      );
    }
  return out;
}

describe('EdgeHead', () => {
  it('1x1 conv, bilinear upsampling to the reference size, sigmoid', async () => {
    const m = model();
    setDeterministicWeights(m);
    expect(m.outputs[0]!.shape).toEqual([null, 4, 6, 1]);
    const f = values(2 * 3 * 4, 1);
    const [kernel, bias] = await Promise.all(m.getWeights().map((w) => w.data()));
    const logits = Float32Array.from({ length: 6 }, (_, p) => {
      let s = bias![0]!;
      for (let c = 0; c < 4; c++) s += f[p * 4 + c]! * kernel![c]!;
      return s;
    });
    const expected = upsample(logits, 2, 3, 4, 6).map((v) => 1 / (1 + Math.exp(-v)));
    const y = m.predict([tf.tensor4d(f, [1, 2, 3, 4]), tf.zeros([1, 4, 6, 3])]) as tf.Tensor;
    await expectClose(y, expected, TOLERANCE.op, 'edge map');
    m.dispose();
  });

  it('gives every weight a gradient, saves and reloads', async () => {
    const m = model('linear');
    const inputs = [tf.tensor4d(values(2 * 3 * 4, 2), [1, 2, 3, 4]), tf.zeros([1, 4, 6, 3])];
    await expectGradientsEverywhere(
      m.trainableWeights,
      () => tf.sum(tf.square(m.apply(inputs) as tf.Tensor)) as tf.Scalar,
    );
    const before = m.predict(inputs) as tf.Tensor;
    const reloaded = await roundTrip(m);
    expect((reloaded.getLayer('head') as EdgeHead).activation).toBe('linear');
    await expectClose(reloaded.predict(inputs) as tf.Tensor, before, TOLERANCE.exact, 'reloaded');
    await expectNoLeak(() => m.predict(inputs));
    tf.dispose([...inputs, before]);
    m.dispose();
    reloaded.dispose();
  });

  it('upsampleBilinear equals tf.image.resizeBilinear with half-pixel centres', async () => {
    const x = tf.tensor4d(values(2 * 3 * 5, 6), [2, 3, 5, 1]);
    for (const size of [
      [7, 10],
      [12, 5],
      [3, 20],
    ] as [number, number][]) {
      await expectClose(
        upsampleBilinear(x, size),
        tf.image.resizeBilinear(x, size, false, true),
        TOLERANCE.op,
        `${size}`,
      );
    }
    x.dispose();
  });

  it('rejects bad input', () => {
    expect(() => new EdgeHead({ activation: 'relu' as 'linear' })).toThrow(/activation/);
    const head = new EdgeHead();
    expect(() => head.apply(tfl.input({ shape: [2, 2, 4] }))).toThrow(ShapeError);
    expect(() => head.apply([tfl.input({ shape: [2, 4] }), tfl.input({ shape: [4, 4, 3] })])).toThrow(
      /rank 4/,
    );
  });

  it('computes the same on this backend as on cpu', async () => {
    const run = async () => {
      const m = model();
      setDeterministicWeights(m);
      const y = m.predict([
        tf.tensor4d(values(2 * 3 * 4, 3), [1, 2, 3, 4]),
        tf.zeros([1, 4, 6, 3]),
      ]) as tf.Tensor;
      const data = await y.data();
      m.dispose();
      return data;
    };
    const here = await run();
    expect(closeness(here, await runOnBackend('cpu', run), TOLERANCE.op).mismatches).toBe(0);
  });
});
