import { ConfigError } from '@befunet/common';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { dropPathSchedule, SWIN_TINY, swinConfig } from './presets.js';
import { SwinEncoder } from './swin-encoder.js';

describe('presets', () => {
  it('gives Swin-T the published sizes and parameter count', () => {
    expect(swinConfig()).toEqual({ ...SWIN_TINY });
    const enc = new SwinEncoder(swinConfig('tiny'));
    enc.apply(tfl.input({ shape: [224, 224, 3] }));
    // timm swin_tiny_patch4_window7_224: 28,288,354 parameters, less the head (768*1000+1000) and final norm (2*768).
    expect(enc.countParams()).toBe(28_288_354 - 769_000 - 1_536);
    enc.dispose();
  });

  it('overrides and validates', () => {
    expect(swinConfig('mini', { windowSize: 4 })).toMatchObject({
      embedDim: 16,
      numHeads: [1, 2, 4, 8],
      windowSize: 4,
    });
    expect(() => swinConfig('tiny', { depths: [2, 2] })).toThrow(ConfigError);
    expect(() => swinConfig('tiny', { mlpRatio: 0 })).toThrow(ConfigError);
  });

  it('spreads drop-path rates linearly over all blocks', () => {
    const s = dropPathSchedule([2, 2, 6, 2], 0.11);
    expect(s.map((r) => r.length)).toEqual([2, 2, 6, 2]);
    expect(s[0]![0]).toBe(0);
    expect(s[3]![1]).toBeCloseTo(0.11, 12);
    expect(s[1]![0]).toBeCloseTo(0.02, 12);
  });
});
