/**
 * The configuration of a BEFUnet: every dimension of the network, saved with the model.
 *
 * Two graphs:
 * - `paper` (the default): Swin body with patch embedding, the paper's PDC edge encoder, LCAF at all
 *   four levels (each fused level feeds the next Swin stage), DLF on levels 1 and 4, the decoder, and
 *   edge heads for deep supervision;
 * - `official`: the released code's effective computation (PiDiNet-small edge branch, strided 1x1
 *   projections, additive fusion, position embedding + LayerNorm on levels 1 and 4, HiFormer decoder),
 *   so that checkpoints trained with the official code give the same logits.
 */
import { ConfigError } from '@befunet/common';
import { SWIN_TINY, type SwinConfig, validateSwinConfig } from '@befunet/swin';

export type BefunetGraph = 'paper' | 'official';
export type BefunetPreset = 'paper' | 'official' | 'tiny';

export interface LcafConfig {
  /** Window side h_l = w_l in tokens. */
  window: number;
  /** Shift alternate levels' windows by half a window (Swin-style). */
  shifted: boolean;
  /** Learned relative position bias in the windows. */
  relativePositionBias: boolean;
}

export interface DlfConfig {
  largeHeads: number;
  smallHeads: number;
  largeDepth: number;
  smallDepth: number;
  mixDepth: number;
  numBlocks: number;
  mlpRatio: number;
}

export interface DecoderConfig {
  /** Width of both decoder branches. */
  width: number;
  /** Channels after the 1x1 reduction. */
  predChannels: number;
  /** GroupNorm groups. */
  groups: number;
}

export interface BefunetConfig {
  graph: BefunetGraph;
  /** Input height = width in pixels; a multiple of 32 x the last grid's window constraint. */
  imageSize: number;
  /** Output classes (logit maps), background included. */
  numClasses: number;
  /** The Swin body: embed dim C, depths, heads, window, MLP ratio, drop path, patch size. */
  swin: SwinConfig;
  /** Stem width of the edge encoder: C for `paper`, 30 (PiDiNet-small) for `official`. */
  edgeChannels: number;
  /** LCAF settings (`paper` graph). */
  lcaf: LcafConfig;
  /** DLF settings (`paper` graph). */
  dlf: DlfConfig;
  decoder: DecoderConfig;
}

const SWIN_T: SwinConfig = { ...SWIN_TINY, depths: [...SWIN_TINY.depths], numHeads: [...SWIN_TINY.numHeads] };

const PRESETS: Record<BefunetPreset, BefunetConfig> = {
  paper: {
    graph: 'paper',
    imageSize: 224,
    numClasses: 9,
    swin: SWIN_T,
    edgeChannels: 96,
    lcaf: { window: 7, shifted: false, relativePositionBias: true },
    dlf: {
      largeHeads: 6,
      smallHeads: 12,
      largeDepth: 1,
      smallDepth: 2,
      mixDepth: 1,
      numBlocks: 1,
      mlpRatio: 2,
    },
    decoder: { width: 128, predChannels: 16, groups: 32 },
  },
  official: {
    graph: 'official',
    imageSize: 224,
    numClasses: 9,
    swin: { ...SWIN_T, dropPathRate: 0.1 },
    edgeChannels: 30,
    lcaf: { window: 7, shifted: false, relativePositionBias: false },
    dlf: {
      largeHeads: 6,
      smallHeads: 12,
      largeDepth: 1,
      smallDepth: 2,
      mixDepth: 1,
      numBlocks: 1,
      mlpRatio: 2,
    },
    decoder: { width: 128, predChannels: 16, groups: 32 },
  },
  tiny: {
    graph: 'paper',
    imageSize: 128,
    numClasses: 4,
    swin: {
      ...SWIN_T,
      embedDim: 16,
      depths: [1, 1, 1, 1],
      numHeads: [1, 2, 2, 4],
      windowSize: 4,
      dropPathRate: 0,
    },
    edgeChannels: 16,
    lcaf: { window: 4, shifted: false, relativePositionBias: true },
    dlf: {
      largeHeads: 1,
      smallHeads: 2,
      largeDepth: 1,
      smallDepth: 1,
      mixDepth: 1,
      numBlocks: 1,
      mlpRatio: 2,
    },
    decoder: { width: 32, predChannels: 8, groups: 8 },
  },
};

/** Overrides of a preset: any top-level field, and any field of the nested groups. */
export type BefunetOverrides = Partial<Omit<BefunetConfig, 'swin' | 'lcaf' | 'dlf' | 'decoder'>> & {
  swin?: Partial<SwinConfig>;
  lcaf?: Partial<LcafConfig>;
  dlf?: Partial<DlfConfig>;
  decoder?: Partial<DecoderConfig>;
};

/** A preset's configuration with overrides applied, validated. */
export function befunetConfig(
  preset: BefunetPreset = 'paper',
  overrides: BefunetOverrides = {},
): BefunetConfig {
  const base = PRESETS[preset];
  if (!base)
    throw new ConfigError(`unknown BEFUnet preset '${preset}'; presets: ${Object.keys(PRESETS).join(', ')}`);
  const config: BefunetConfig = {
    ...base,
    ...overrides,
    swin: { ...base.swin, ...overrides.swin },
    lcaf: { ...base.lcaf, ...overrides.lcaf },
    dlf: { ...base.dlf, ...overrides.dlf },
    decoder: { ...base.decoder, ...overrides.decoder },
  };
  validateBefunetConfig(config);
  return config;
}

/** The token grid side of each of the four levels. */
export function levelGrids(config: BefunetConfig): number[] {
  return [0, 1, 2, 3].map((k) => config.imageSize / (config.swin.patchSize * 2 ** k));
}

/** The width of each of the four levels: C, 2C, 4C, 8C. */
export function levelWidths(config: BefunetConfig): number[] {
  return [0, 1, 2, 3].map((k) => config.swin.embedDim * 2 ** k);
}

export function validateBefunetConfig(c: BefunetConfig): void {
  if (c.graph !== 'paper' && c.graph !== 'official')
    throw new ConfigError(`graph must be 'paper' or 'official', got '${c.graph}'`);
  validateSwinConfig(c.swin);
  if (c.swin.depths.length !== 4)
    throw new ConfigError(`BEFUnet needs 4 Swin stages, got ${c.swin.depths.length}`);
  const stride = c.swin.patchSize * 8;
  if (!Number.isInteger(c.imageSize) || c.imageSize < stride || c.imageSize % stride !== 0) {
    throw new ConfigError(
      `imageSize (${c.imageSize}) must be a positive multiple of ${stride} (patch size x 8, the deepest level's stride)`,
    );
  }
  if (c.graph === 'official' && c.swin.patchSize !== 4) {
    throw new ConfigError(
      `the official graph has patch size 4 (its edge stages are projected with stride 4), got ${c.swin.patchSize}`,
    );
  }
  if (!Number.isInteger(c.numClasses) || c.numClasses < 1)
    throw new ConfigError(`numClasses must be a positive integer, got ${c.numClasses}`);
  if (!Number.isInteger(c.edgeChannels) || c.edgeChannels < 1) {
    throw new ConfigError(`edgeChannels must be a positive integer, got ${c.edgeChannels}`);
  }
  // DLF runs on levels 1 and 4 (widths C and 8C): check here, before any layer holds weights.
  const dlfWidths = { largeHeads: c.swin.embedDim, smallHeads: 8 * c.swin.embedDim } as const;
  for (const [key, width] of Object.entries(dlfWidths) as [keyof typeof dlfWidths, number][]) {
    const heads = c.dlf[key];
    if (c.graph === 'paper' && (!Number.isInteger(heads) || heads < 1 || width % heads !== 0)) {
      throw new ConfigError(`dlf.${key} (${heads}) must be a positive divisor of the level width ${width}`);
    }
  }
  if (c.decoder.width % c.decoder.groups !== 0) {
    throw new ConfigError(
      `decoder.width (${c.decoder.width}) must be divisible by decoder.groups (${c.decoder.groups})`,
    );
  }
}
