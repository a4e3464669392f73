import { readFileSync } from 'node:fs';
import { WeightLoadError } from '@befunet/common';
import { expectClose, fixturePath, fixtureTensor, loadFixture, nchwToNhwc } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { importOfficialStateDict } from '../weights/official-checkpoint.js';
import { readCheckpoint } from '../weights/read-checkpoint.js';
import { createBefunet, tapModel } from './befunet.js';
import { type BefunetConfig, befunetConfig } from './config.js';
import { OFFICIAL_TAPS } from './official-graph.js';

/** The reduced-width official graph the fixtures were produced with (their header's `config`). */
function fixtureConfig(): BefunetConfig {
  const header = JSON.parse(loadFixture('official/official_mini.safetensors').metadata.config!);
  return befunetConfig('official', {
    numClasses: header.n_classes,
    swin: {
      embedDim: header.swin_embed_dim,
      depths: header.swin_depths,
      numHeads: header.swin_heads,
      windowSize: header.window_size,
    },
  });
}

/** Tokens [1, h*w, C] of the fixture (or an NCHW map) as an NHWC map. */
function expectedMap(key: string): tf.Tensor {
  const t = fixtureTensor(loadFixture('official/official_mini_io.safetensors'), key);
  if (t.rank === 4) return nchwToNhwc(t);
  const side = Math.sqrt(t.shape[1]!);
  return tf.reshape(t, [1, side, side, t.shape[2]!]);
}

const TAP_FIXTURE: Record<(typeof OFFICIAL_TAPS)[number], string> = {
  p1_ch: 'p1_ch',
  p2_ch: 'p2_ch',
  p3_ch: 'p3_ch',
  p4_ch: 'p4_ch',
  swin_stage0: 'swin_stage0',
  swin_stage1: 'swin_stage1',
  swin_stage2: 'swin_stage2',
  swin_stage3: 'swin_stage3',
  p1_pm: 'p1_pm',
  p2_pm: 'p2_pm',
  p3_pm: 'p3_pm',
  s1: 'S1',
  s4: 'S4',
  z1: 'Z1',
  z4: 'Z4',
};

/** Compares relative to the reference's scale: values reach hundreds in the deeper taps. */
async function expectScaledClose(actual: tf.Tensor, expected: tf.Tensor, what: string) {
  const scale = (await tf.max(tf.abs(expected)).data())[0]!;
  await expectClose(actual, expected, { atol: 1e-4 * Math.max(1, scale), rtol: 1e-4 }, what);
}

describe('official graph', () => {
  for (const format of ['safetensors', 'pth'] as const) {
    it(`reproduces the official logits and every tap from official_mini.${format}`, async () => {
      const model = createBefunet(fixtureConfig());
      const bytes = new Uint8Array(readFileSync(fixturePath(`official/official_mini.${format}`)));
      const report = importOfficialStateDict(model, readCheckpoint(bytes, format));
      expect(report.skipped.some((s) => s.key.startsWith('All2Cross.blocks.'))).toBe(true);
      expect(report.skipped.some((s) => s.key.includes('convs_level'))).toBe(true);

      const taps = tapModel(model, [...OFFICIAL_TAPS, 'decoder']);
      const input = nchwToNhwc(fixtureTensor(loadFixture('official/official_mini_io.safetensors'), 'input'));
      const outputs = taps.predict(input) as tf.Tensor[];
      for (const [i, name] of OFFICIAL_TAPS.entries()) {
        await expectScaledClose(outputs[i]!, expectedMap(TAP_FIXTURE[name]), name);
      }
      await expectScaledClose(outputs.at(-1)!, expectedMap('logits'), 'logits');
      tf.dispose([outputs, input]);
      model.dispose();
    });
  }

  it('names unexpected, missing and mis-shaped keys', () => {
    const model = createBefunet(fixtureConfig());
    const dict = new Map(loadFixture('official/official_mini.safetensors').tensors);
    dict.set('All2Cross.pyramid.extra.weight', { dtype: 'F32', shape: [1], values: new Float32Array(1) });
    expect(() => importOfficialStateDict(model, dict)).toThrow(
      /unexpected keys in the official checkpoint: All2Cross\.pyramid\.extra\.weight/,
    );
    dict.delete('All2Cross.pyramid.extra.weight');
    dict.delete('conv_pred.0.bias');
    expect(() => importOfficialStateDict(model, dict)).toThrow(WeightLoadError);
    expect(() => importOfficialStateDict(model, dict)).toThrow(/conv_pred\.0\.bias/);
    model.dispose();
  });
});
