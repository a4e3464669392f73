/**
 * DLF's Transformer feed-forward network, Linear(C, rC) -> GELU (exact erf form) -> Linear(rC, C):
 * @befunet/common's `Mlp` with HiFormer's hidden width and per-child seeds.
 */
import { ConfigError, Mlp, type MlpArgs } from '@befunet/common';
import { gelu } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { childSeed, truncNormal002 } from './seeds.js';
import { type LayerArgs, withDefaultName } from './types.js';

/** Hidden width of an MLP: `round(dim * ratio)`, at least 1. */
export function mlpHidden(dim: number, ratio: number): number {
  return Math.max(1, Math.round(dim * ratio));
}

export interface DlfMlpArgs extends LayerArgs {
  /** Input and output width C. */
  dim: number;
  /** Hidden width over input width. Defaults to 2 (HiFormer's DLF). */
  mlpRatio?: number;
  /** Seed of the weight initialisers; unseeded when omitted. */
  seed?: number | null;
}

/** The `Mlp` arguments of DLF's MLP: hidden width `mlpHidden(dim, mlpRatio)`, fc1 and fc2 seeded apart. */
export function dlfMlpArgs(args: DlfMlpArgs): MlpArgs {
  const { mlpRatio = 2, seed, ...layerArgs } = args;
  if (!(mlpRatio > 0)) throw new ConfigError(`mlpRatio must be positive, got ${mlpRatio}`);
  const fc1 = truncNormal002(childSeed(seed ?? undefined, 0));
  const fc2 = truncNormal002(childSeed(seed ?? undefined, 1));
  return { ...layerArgs, hiddenDim: mlpHidden(args.dim, mlpRatio), kernelInitializers: { fc1, fc2 } };
}

/**
 * `Mlp` configured by {@link dlfMlpArgs}, under its former class name so that configs naming
 * `befunet>DlfMlp` still load; new code can build `new Mlp(dlfMlpArgs(args))`.
 */
export class DlfMlp extends Mlp {
  static override className = 'befunet>DlfMlp';
  readonly mlpRatio: number;
  readonly seed: number | undefined;

  constructor(args: DlfMlpArgs) {
    super(dlfMlpArgs(withDefaultName(args, 'dlf_mlp')));
    this.mlpRatio = args.mlpRatio ?? 2;
    this.seed = args.seed ?? undefined;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { hiddenDim: _, outDim: __, drop: ___, ...config } = super.getConfig();
    return { ...config, mlpRatio: this.mlpRatio, seed: this.seed ?? null };
  }
}
tf.serialization.registerClass(DlfMlp);

export { gelu };
