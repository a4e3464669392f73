/**
 * The optimizer choice of the trainer: SGD + momentum (the official recipe, the default) or AdamW.
 */
import { ConfigError } from '@befunet/common';
import { AdamW, type AdamWConfig, type ResolvedAdamWConfig, resolveAdamWConfig } from './adamw.js';
import { type ResolvedSgdConfig, resolveSgdConfig, Sgd, type SgdConfig } from './sgd.js';

export type OptimizerConfig = SgdConfig | AdamWConfig;
export type ResolvedOptimizerConfig = ResolvedSgdConfig | ResolvedAdamWConfig;
export type TrainOptimizer = Sgd | AdamW;

/** Fills the defaults of an optimizer configuration and checks it. */
export function resolveOptimizerConfig(config: OptimizerConfig): ResolvedOptimizerConfig {
  if (config.kind === 'sgd') return resolveSgdConfig(config);
  if (config.kind === 'adamw') return resolveAdamWConfig(config);
  throw new ConfigError(
    `optimizer.kind must be 'sgd' or 'adamw', got ${JSON.stringify((config as { kind: unknown }).kind)}`,
  );
}

export function createOptimizer(config: OptimizerConfig): TrainOptimizer {
  const resolved = resolveOptimizerConfig(config);
  return resolved.kind === 'sgd' ? new Sgd(resolved) : new AdamW(resolved);
}
