import { WeightLoadError } from '@befunet/common';
import { loadFixture } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { officialConfigFromStateDict } from './official-config.js';

describe('officialConfigFromStateDict', () => {
  const file = loadFixture('official/official_mini.safetensors');

  it("reads the fixture checkpoint's dimensions, equal to the config its header records", () => {
    const header = JSON.parse(file.metadata.config!);
    const config = officialConfigFromStateDict(file.tensors);
    expect(config.graph).toBe('official');
    expect(config.numClasses).toBe(header.n_classes);
    expect(config.swin.embedDim).toBe(header.swin_embed_dim);
    expect(config.swin.depths).toEqual(header.swin_depths);
    expect(config.swin.numHeads).toEqual(header.swin_heads);
    expect(config.swin.windowSize).toBe(header.window_size);
    expect(config.imageSize).toBe(224); // the fixture's input is 1x3x224x224
  });

  it('names the missing key of a state dict that is not an official checkpoint', () => {
    const partial = new Map([...file.tensors].filter(([k]) => !k.startsWith('segmentation_head')));
    expect(() => officialConfigFromStateDict(partial)).toThrow(WeightLoadError);
    expect(() => officialConfigFromStateDict(partial)).toThrow(/segmentation_head\.0\.weight' is missing/);
    expect(() => officialConfigFromStateDict(new Map())).toThrow(/not an official BEFUnet checkpoint/);
  });
});
