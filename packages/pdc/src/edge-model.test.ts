import { closeness, expectNoLeak, loadFixture, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientsEverywhere, roundTrip, values } from '../test/helpers.js';
import { EdgeEncoder } from './edge-encoder.js';
import { edgeEncoderModel } from './edge-model.js';
import { loadPidinetWeights } from './weights.js';

describe('edgeEncoderModel', () => {
  it('outputs four stages and four edge maps at the input size', () => {
    const m = edgeEncoderModel({ layout: 'paper', channels: 2, edgeMaps: true, inputSize: [64, 32] });
    expect(m.outputs.map((o) => o.shape)).toEqual([
      [null, 16, 8, 2],
      [null, 8, 4, 4],
      [null, 4, 2, 8],
      [null, 2, 1, 16],
      [null, 64, 32, 1],
      [null, 64, 32, 1],
      [null, 64, 32, 1],
      [null, 64, 32, 1],
    ]);
    expect(m.getLayer('edge_encoder')).toBeInstanceOf(EdgeEncoder);
    m.dispose();
  });

  it('gives every weight of encoder and heads a gradient (official layout, small width)', async () => {
    const m = edgeEncoderModel({ layout: 'official', channels: 2, edgeMaps: true, edgeActivation: 'linear' });
    // 16 px: stage 4 is 2x2 (at 1x1 only the centre tap of a PDC sees data, and ad's centre is 0).
    const x = tf.tensor4d(values(16 * 16 * 3, 1), [1, 16, 16, 3]);
    await expectGradientsEverywhere(
      m.trainableWeights,
      () =>
        // Pairwise adds: WebGPU's AddN fails beyond 7 inputs.
        (m.apply(x) as tf.Tensor[])
          .map((y) => tf.mean(tf.square(y)))
          .reduce((a, b) => tf.add(a, b)) as tf.Scalar,
    );
    x.dispose();
    m.dispose();
  });

  it('saves and reloads with identical outputs, in the form it was saved in', async () => {
    const m = edgeEncoderModel({ layout: 'paper', channels: 2, edgeMaps: true, form: 'converted' });
    const x = tf.tensor4d(values(32 * 32 * 3, 2), [1, 32, 32, 3]);
    const before = m.predict(x) as tf.Tensor[];
    const reloaded = await roundTrip(m);
    expect(reloaded.countParams()).toBe(m.countParams());
    expect((reloaded.getLayer('edge_encoder') as EdgeEncoder).form).toBe('converted');
    const after = reloaded.predict(x) as tf.Tensor[];
    for (let i = 0; i < before.length; i++) {
      expect(closeness(await after[i]!.data(), await before[i]!.data(), TOLERANCE.exact).mismatches).toBe(0);
    }
    await expectNoLeak(() => reloaded.predict(x));
    tf.dispose([x, ...before, ...after]);
    m.dispose();
    reloaded.dispose();
  });

  it('official layout with the PiDiNet weights: 158,610 parameters, identical after save and load', async () => {
    const m = edgeEncoderModel({ layout: 'official' });
    loadPidinetWeights(
      m.getLayer('edge_encoder') as EdgeEncoder,
      loadFixture('official/pidinet_small_bsds.safetensors'),
    );
    expect(m.countParams()).toBe(158_610);
    const x = tf.tensor4d(values(16 * 16 * 3, 3), [1, 16, 16, 3]);
    const before = m.predict(x) as tf.Tensor[];
    const reloaded = await roundTrip(m);
    const after = reloaded.predict(x) as tf.Tensor[];
    for (let i = 0; i < 4; i++) {
      expect(closeness(await after[i]!.data(), await before[i]!.data(), TOLERANCE.exact).mismatches).toBe(0);
    }
    tf.dispose([x, ...before, ...after]);
    m.dispose();
    reloaded.dispose();
  });
});
