import { loadStateDict, type StateDict, type StateDictEntry, WeightLoadError } from '@befunet/common';
import {
  closeness,
  expectClose,
  expectNoLeak,
  fixtureTensor,
  loadFixture,
  nchwToNhwc,
  runOnBackend,
  saveAndReload,
  TOLERANCE,
} from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { checkDecoderDuplicates, officialDecoderAssignments } from '../weights/official-decoder.js';
import { Decoder } from './decoder.js';

const isDecoderKey = (k: string) => /^(ConvUp_[ls]|conv_pred|segmentation_head)\./.test(k);

function officialDecoder(): Decoder {
  const decoder = new Decoder({ numClasses: 9, name: 'decoder' });
  decoder.build([
    [1, 56, 56, 16],
    [1, 7, 7, 128],
  ]);
  const all = loadFixture('official/official_mini.safetensors').tensors;
  const stateDict: StateDict = new Map([...all].filter(([k]) => isDecoderKey(k)));
  const duplicates = new Set(checkDecoderDuplicates(stateDict));
  loadStateDict(officialDecoderAssignments(decoder), stateDict, { ignore: (k) => duplicates.has(k) });
  return decoder;
}

/** Tokens [1, h*w, C] of the fixture as an NHWC map. */
function tokensToMap(key: string, side: number): tf.Tensor4D {
  const t = fixtureTensor(loadFixture('official/official_mini_io.safetensors'), key);
  return tf.reshape(t, [1, side, side, t.shape[2]!]);
}

describe('Decoder', () => {
  it('reproduces the official decoder branches and logits from Z1 and Z4', async () => {
    const io = loadFixture('official/official_mini_io.safetensors');
    const decoder = officialDecoder();
    const taps = decoder.forwardWithTaps(tokensToMap('Z1', 56), tokensToMap('Z4', 7));
    const tol = { atol: 1e-4, rtol: 1e-4 };
    await expectClose(taps.large, nchwToNhwc(fixtureTensor(io, 'decoder_l')), tol, 'decoder_l');
    await expectClose(taps.small, nchwToNhwc(fixtureTensor(io, 'decoder_s')), tol, 'decoder_s');
    await expectClose(taps.logits, nchwToNhwc(fixtureTensor(io, 'logits')), tol, 'logits');
  });

  it('has exactly the parameters of the official decoder', () => {
    const all = loadFixture('official/official_mini.safetensors').tensors;
    const official = [...all]
      .filter(([k]) => isDecoderKey(k) && !k.includes('convs_level'))
      .reduce((s, [, e]) => s + e.values.length, 0);
    const decoder = officialDecoder();
    expect(decoder.countParams()).toBe(official);
  });

  it('names every checkpoint problem', () => {
    const decoder = new Decoder({ numClasses: 9 });
    decoder.build([
      [1, 56, 56, 16],
      [1, 7, 7, 128],
    ]);
    const all = loadFixture('official/official_mini.safetensors').tensors;
    const dict: Map<string, StateDictEntry> = new Map(
      [...all].filter(([k]) => isDecoderKey(k) && !k.includes('convs_level')),
    );
    const head = dict.get('segmentation_head.0.weight')!;
    dict.delete('conv_pred.0.bias');
    dict.set('segmentation_head.0.weight', {
      shape: [4, 16, 3, 3],
      values: head.values.slice(0, 4 * 16 * 9),
    });
    dict.set('extra.weight', { shape: [1], values: new Float32Array(1) });
    const attempt = () => loadStateDict(officialDecoderAssignments(decoder), dict);
    expect(attempt).toThrow(WeightLoadError);
    expect(attempt).toThrow(/missing keys: conv_pred\.0\.bias/);
    expect(attempt).toThrow(
      /segmentation_head\.0\.weight: checkpoint \[4,16,3,3\], model expects \[9,16,3,3\]/,
    );
    expect(attempt).toThrow(/unexpected keys: extra\.weight/);
  });

  it('rejects grids that do not fit the upsampling tower', () => {
    const decoder = new Decoder({ numClasses: 2, width: 8, groups: 4, name: 'dec' });
    expect(() => decoder.apply([tfl.input({ shape: [16, 16, 4] }), tfl.input({ shape: [4, 4, 8] })])).toThrow(
      "Decoder 'dec': the small grid [4,4] x 8 must equal the large grid [16,16]",
    );
  });

  it('trains: every weight gets a gradient; saves and reloads; no leak; same as cpu', async () => {
    const build = () => {
      const large = tfl.input({ shape: [8, 8, 4] });
      const small = tfl.input({ shape: [1, 1, 8] });
      const decoder = new Decoder({ numClasses: 3, width: 8, groups: 4, name: 'decoder' });
      return tfl.model({
        inputs: [large, small],
        outputs: decoder.apply([large, small]) as tfl.SymbolicTensor,
      });
    };
    const inputs = () => [
      tf.tensor4d(
        Float32Array.from({ length: 256 }, (_, i) => Math.sin(i)),
        [1, 8, 8, 4],
      ),
      tf.tensor4d(
        Float32Array.from({ length: 8 }, (_, i) => Math.cos(i)),
        [1, 1, 1, 8],
      ),
    ];
    const model = build();
    const x = inputs();
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar);
    expect(Object.keys(grads)).toHaveLength(model.trainableWeights.length);
    for (const [name, g] of Object.entries(grads))
      expect((await tf.max(tf.abs(g)).data())[0], name).toBeGreaterThan(0);

    const reloaded = await saveAndReload(model);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 32, 32, 3]);
    await expectClose(reloaded.predict(x) as tf.Tensor, y, TOLERANCE.exact, 'reloaded');
    await expectNoLeak(() => model.predict(x));

    // The same weights on the cpu backend give the same logits.
    const weights = await Promise.all(
      model.getWeights().map(async (w) => ({ shape: w.shape, values: await w.data() })),
    );
    const here = await y.data();
    const onCpu = await runOnBackend('cpu', async () => {
      const m = build();
      m.setWeights(weights.map((w) => tf.tensor(w.values as Float32Array, w.shape)));
      return (m.predict(inputs()) as tf.Tensor).data();
    });
    expect(closeness(here, onCpu, TOLERANCE.layer).mismatches).toBe(0);
  });
});
