import { loadFixture } from '@befunet/testing';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { createBefunet } from './befunet.js';
import { befunetConfig } from './config.js';
import { kernelMacs, modelReport, officialParameterCounts } from './report.js';

describe('modelReport', () => {
  it('counts parameters per component and the MACs of convolutions and matrix products', async () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv' }).apply(input);
    const dw = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(conv);
    const flat = tfl.layers.flatten().apply(dw);
    const out = tfl.layers.dense({ units: 2, name: 'fc' }).apply(flat) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const report = await modelReport(model);
    expect(report.components).toEqual([
      { name: 'conv', className: 'Conv2D', parameters: 3 * 3 * 3 * 4 + 4 },
      { name: 'dw', className: 'DepthwiseConv2D', parameters: 3 * 3 * 4 + 4 },
      { name: 'fc', className: 'Dense', parameters: 256 * 2 + 2 },
    ]);
    expect(report.parameters).toBe(112 + 40 + 514);
    // By hand: conv 8*8*4 outputs x 27 taps, depthwise 8*8*4 x 9 taps, dense 2 outputs x 256 inputs.
    expect(report.macsPerImage).toBe(8 * 8 * 4 * 27 + 8 * 8 * 4 * 9 + 2 * 256);
    model.dispose();
  });

  it('reads K of a matrix product from either operand layout', () => {
    expect(
      kernelMacs(
        'BatchMatMul',
        [
          [2, 5, 7],
          [2, 7, 3],
        ],
        [[2, 5, 3]],
      ),
    ).toBe(2 * 5 * 3 * 7);
    expect(
      kernelMacs(
        'BatchMatMul',
        [
          [2, 7, 5],
          [2, 7, 3],
        ],
        [[2, 5, 3]],
      ),
    ).toBe(2 * 5 * 3 * 7);
    expect(kernelMacs('Add', [[4], [4]], [[4]])).toBe(0);
  });

  it('gives the official graph at Swin-T width the official parameter counts', () => {
    // The official code counts 29,461,525 parameters that affect the output; 864 of them are the
    // class-token rows of its two position embeddings (96 + 768), which only feed the class tokens
    // the decoder drops, and which this graph does not have. The released module has 41,693,609.
    const config = befunetConfig('official');
    const model = createBefunet(config);
    expect(model.countParams()).toBe(29_461_525 - (96 + 768));
    expect(officialParameterCounts(model, config.swin.embedDim, config.dlf)).toEqual({
      affectingOutput: 29_461_525,
      releasedModule: 41_693_609,
    });
    model.dispose();
  });

  it('counts the released module of the reduced-width fixture as its checkpoint does', () => {
    const file = loadFixture('official/official_mini.safetensors');
    const header = JSON.parse(file.metadata.config!);
    // Every tensor of the checkpoint but derived buffers and the duplicated decoder entries.
    const checkpoint = [...file.tensors]
      .filter(([k]) => !/relative_position_index|attn_mask|convs_level/.test(k))
      .reduce((s, [, e]) => s + e.values.length, 0);
    const config = befunetConfig('official', {
      numClasses: header.n_classes,
      swin: { embedDim: header.swin_embed_dim, depths: header.swin_depths, numHeads: header.swin_heads },
    });
    const model = createBefunet(config);
    expect(officialParameterCounts(model, config.swin.embedDim, config.dlf).releasedModule).toBe(checkpoint);
    model.dispose();
  });
});
