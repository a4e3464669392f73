import { EdgeEncoder, pidinetKeys } from '@befunet/pdc';
import { expectClose, fixtureTensor, loadFixture, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadPretrainedPidinet } from './pretrained-pidinet.js';

describe('loadPretrainedPidinet', () => {
  it('loads the real PiDiNet-small weights where the paper layout matches by op and shape', async () => {
    const file = loadFixture('official/pidinet_small_bsds.safetensors');
    const encoder = new EdgeEncoder({ layout: 'paper', channels: 30, name: 'edge' });
    encoder.apply(tf.zeros([1, 64, 64, 3]));
    const report = loadPretrainedPidinet(encoder, file.tensors);
    // Stem, stage 1 (3 blocks of 2 convs) and stages 2-3 (4 blocks, the first with a shortcut) fit.
    expect(report.loaded).toContain('init_block.weight');
    expect(report.loaded).toContain('block1_2.conv1.weight');
    expect(report.loaded).toContain('block3_1.shortcut.bias');
    expect(report.loaded).toContain('block3_4.conv2.weight');
    expect(report.skipped.map((s) => s.key)).toContain('block1_1.conv1.weight');
    expect(report.skipped.find((s) => s.key === 'block4_2.conv1.weight')?.reason).toMatch(
      /paper layout needs/,
    );
    // The paper's block1_2 (ad) holds PiDiNet's block1_1 (ad), in TF.js layout.
    const target = pidinetKeys(encoder).find((k) => k.key === 'block1_2.conv1.weight')!;
    await expectClose(
      target.variable.read(),
      target.fromTorch(fixtureTensor(file, 'block1_1.conv1.weight')),
      TOLERANCE.exact,
      'block1_2 <- block1_1',
    );
    encoder.dispose();
  });
});
