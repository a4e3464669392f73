import { WeightLoadError } from '@befunet/common';
import { exportSwinWeights, SwinEncoder } from '@befunet/swin';
import { expectClose, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createBefunet } from '../model/befunet.js';
import { befunetConfig } from '../model/config.js';
import { loadPretrainedSwin } from './pretrained-swin.js';

const SMALL = befunetConfig('tiny', {
  imageSize: 64,
  swin: { embedDim: 8, numHeads: [1, 1, 2, 2], windowSize: 2 },
  edgeChannels: 8,
  lcaf: { window: 2 },
  dlf: { largeHeads: 1, smallHeads: 1 },
  decoder: { width: 8, predChannels: 4, groups: 4 },
});

/** A Swin encoder of the same configuration, with its weights exported as a timm or Microsoft state dict. */
async function swinCheckpoint(layout: 'timm' | 'microsoft') {
  const encoder = new SwinEncoder({ ...SMALL.swin, name: 'swin' });
  encoder.apply(tf.zeros([1, 64, 64, 3]));
  const dict = new Map(await exportSwinWeights(encoder, { layout, prefix: 'model.' }));
  dict.set('model.head.weight', { shape: [10, 64], values: new Float32Array(640) });
  return { encoder, dict };
}

describe('loadPretrainedSwin', () => {
  for (const layout of ['timm', 'microsoft'] as const) {
    it(`initialises the paper body from a ${layout}-layout Swin checkpoint`, async () => {
      const { encoder, dict } = await swinCheckpoint(layout);
      const model = createBefunet(SMALL);
      const report = loadPretrainedSwin(model, dict, { prefix: 'model.' });
      expect(report.layout).toBe(layout);
      expect(report.skipped).toEqual(['model.head.weight']);
      expect(report.loaded).toBe(encoder.weights.length);
      const body = ['patch_embed', 'layers_0', 'layers_1', 'layers_2', 'layers_3'].flatMap(
        (n) => model.getLayer(n).weights,
      );
      expect(body.map((w) => w.originalName.replace(/^[^/]+\//, ''))).toEqual(
        encoder.weights.map((w) => w.originalName.replace(/^swin\//, '').replace(/^[^/]+\//, '')),
      );
      for (const [i, w] of body.entries())
        await expectClose(w.read(), encoder.weights[i]!.read(), TOLERANCE.exact, w.originalName);
      model.dispose();
      encoder.dispose();
    });
  }

  it('names keys that belong to no Swin body', async () => {
    const { dict } = await swinCheckpoint('timm');
    dict.set('model.decoder.weight', { shape: [1], values: new Float32Array(1) });
    const model = createBefunet(SMALL);
    expect(() => loadPretrainedSwin(model, dict, { prefix: 'model.' })).toThrow(WeightLoadError);
    expect(() => loadPretrainedSwin(model, dict, { prefix: 'model.' })).toThrow(/model\.decoder\.weight/);
    model.dispose();
  });
});
