/**
 * Swin encoder configurations: the published Swin sizes and the reduced width of the BEFUnet
 * reference fixtures.
 */
import { assertPositiveInteger, assertRate, ConfigError } from '@befunet/common';

export interface SwinConfig {
  /** Channels C of level 1 (doubles at each stage). */
  embedDim: number;
  /** Blocks per stage. */
  depths: number[];
  /** Attention heads per stage. */
  numHeads: number[];
  /** Window side M. */
  windowSize: number;
  /** MLP hidden ratio. */
  mlpRatio: number;
  /** Stochastic depth rate of the last block; rates rise linearly from 0 over all blocks. */
  dropPathRate: number;
  /** Patch side P of the patch embedding. */
  patchSize: number;
  /** Bias in qkv projections. */
  qkvBias: boolean;
  /** Dropout rate (training). */
  dropRate: number;
  /** Attention dropout rate (training). */
  attnDropRate: number;
}

/** Swin-T (Liu et al. 2021): C 96, depths [2, 2, 6, 2], heads [3, 6, 12, 24], window 7, drop-path 0.1. */
export const SWIN_TINY: Readonly<SwinConfig> = Object.freeze({
  embedDim: 96,
  depths: [2, 2, 6, 2],
  numHeads: [3, 6, 12, 24],
  windowSize: 7,
  mlpRatio: 4,
  dropPathRate: 0.1,
  patchSize: 4,
  qkvBias: true,
  dropRate: 0,
  attnDropRate: 0,
});

/** Swin-S: as Swin-T with depths [2, 2, 18, 2] (drop-path 0.3 in the release). */
export const SWIN_SMALL: Readonly<SwinConfig> = Object.freeze({
  ...SWIN_TINY,
  depths: [2, 2, 18, 2],
  dropPathRate: 0.3,
});

/** Swin-B (224, window 7): C 128, depths [2, 2, 18, 2], heads [4, 8, 16, 32]. */
export const SWIN_BASE: Readonly<SwinConfig> = Object.freeze({
  ...SWIN_TINY,
  embedDim: 128,
  depths: [2, 2, 18, 2],
  numHeads: [4, 8, 16, 32],
  dropPathRate: 0.5,
});

/** The reduced Swin of the reference fixtures (`official_mini`): C 16, heads [1, 2, 4, 8]. */
export const SWIN_MINI: Readonly<SwinConfig> = Object.freeze({
  ...SWIN_TINY,
  embedDim: 16,
  numHeads: [1, 2, 4, 8],
});

export const SWIN_PRESETS = { tiny: SWIN_TINY, small: SWIN_SMALL, base: SWIN_BASE, mini: SWIN_MINI } as const;
export type SwinPreset = keyof typeof SWIN_PRESETS;

/** A full config from a preset name (default `tiny`) and overrides; checks consistency. */
export function swinConfig(preset: SwinPreset = 'tiny', overrides: Partial<SwinConfig> = {}): SwinConfig {
  const base = SWIN_PRESETS[preset];
  if (!base)
    throw new ConfigError(`unknown Swin preset '${preset}'; known: ${Object.keys(SWIN_PRESETS).join(', ')}`);
  const config: SwinConfig = {
    ...base,
    depths: [...base.depths],
    numHeads: [...base.numHeads],
    ...overrides,
  };
  validateSwinConfig(config);
  return config;
}

/** Throws a ConfigError naming the first inconsistent field. */
export function validateSwinConfig(c: SwinConfig): void {
  assertPositiveInteger(c.embedDim, 'embedDim');
  assertPositiveInteger(c.windowSize, 'windowSize');
  assertPositiveInteger(c.patchSize, 'patchSize');
  if (c.depths.length === 0) throw new ConfigError('depths must have at least one stage, got []');
  for (const [i, d] of c.depths.entries()) assertPositiveInteger(d, `depths[${i}]`);
  if (c.numHeads.length !== c.depths.length) {
    throw new ConfigError(`numHeads has ${c.numHeads.length} entries for ${c.depths.length} stages`);
  }
  c.numHeads.forEach((h, i) => {
    const dim = c.embedDim * 2 ** i;
    assertPositiveInteger(h, `numHeads[${i}]`);
    if (dim % h !== 0) {
      throw new ConfigError(
        `numHeads[${i}] (${h}) must be a positive divisor of stage ${i}'s channels (${dim})`,
      );
    }
  });
  if (!(c.mlpRatio > 0)) throw new ConfigError(`mlpRatio must be positive, got ${c.mlpRatio}`);
  for (const k of ['dropPathRate', 'dropRate', 'attnDropRate'] as const) {
    assertRate(c[k], k);
  }
}

/** Per-block stochastic depth rates: linspace(0, rate, sum(depths)), split per stage. */
export function dropPathSchedule(depths: readonly number[], rate: number): number[][] {
  const total = depths.reduce((a, b) => a + b, 0);
  const rates = Array.from({ length: total }, (_, i) => (total > 1 ? (rate * i) / (total - 1) : 0));
  const starts = depths.map((_, i) => depths.slice(0, i).reduce((a, b) => a + b, 0));
  return depths.map((d, i) => rates.slice(starts[i], starts[i]! + d));
}
