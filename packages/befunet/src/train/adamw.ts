/**
 * AdamW (Loshchilov & Hutter: decoupled weight decay) with PyTorch's `torch.optim.AdamW` semantics
 * and defaults (betas 0.9 / 0.999, eps 1e-8, weight decay 1e-2, no amsgrad), at step t (1-based):
 *
 *   w  = w * (1 - lr * wd)
 *   m  = b1 * m + (1 - b1) * g;          v = b2 * v + (1 - b2) * g^2
 *   w  = w - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * (eps is added after the bias correction of sqrt(v), as PyTorch does.)
 */
import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { SlotOptimizer } from './slot-optimizer.js';

export interface AdamWConfig {
  kind: 'adamw';
  /** Defaults to 0.9. */
  beta1?: number;
  /** Defaults to 0.999. */
  beta2?: number;
  /** Defaults to 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay. Defaults to 1e-2 (PyTorch's default). */
  weightDecay?: number;
}

export type ResolvedAdamWConfig = Required<AdamWConfig>;

export function resolveAdamWConfig(c: AdamWConfig): ResolvedAdamWConfig {
  const r: ResolvedAdamWConfig = {
    kind: 'adamw',
    beta1: c.beta1 ?? 0.9,
    beta2: c.beta2 ?? 0.999,
    epsilon: c.epsilon ?? 1e-8,
    weightDecay: c.weightDecay ?? 1e-2,
  };
  for (const k of ['beta1', 'beta2'] as const) {
    if (!(r[k] >= 0 && r[k] < 1)) throw new ConfigError(`adamw ${k} must be in [0, 1), got ${r[k]}`);
  }
  if (!(r.epsilon > 0)) throw new ConfigError(`adamw epsilon must be > 0, got ${r.epsilon}`);
  if (!(r.weightDecay >= 0 && Number.isFinite(r.weightDecay)))
    throw new ConfigError(`adamw weightDecay must be >= 0, got ${r.weightDecay}`);
  return r;
}

export class AdamW extends SlotOptimizer {
  protected readonly slotNames = ['exp_avg', 'exp_avg_sq'] as const;
  readonly config: ResolvedAdamWConfig;

  constructor(config: Omit<AdamWConfig, 'kind'> = {}) {
    super();
    this.config = resolveAdamWConfig({ ...config, kind: 'adamw' });
  }

  protected update(
    w: tf.Variable,
    g: tf.Tensor,
    [m, v]: tf.Variable[],
    rate: number | tf.Tensor,
    t: number,
  ): tf.Tensor {
    const lr = rate as number; // learningRateAsTensor is false: apply() passes numbers only
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    m!.assign(tf.add(tf.mul(beta1, m!), tf.mul(1 - beta1, g)));
    v!.assign(tf.add(tf.mul(beta2, v!), tf.mul(1 - beta2, tf.square(g))));
    const decayed = weightDecay === 0 ? w : tf.mul(w, 1 - lr * weightDecay);
    const denom = tf.add(tf.div(tf.sqrt(v!), Math.sqrt(1 - beta2 ** t)), epsilon);
    return tf.sub(decayed, tf.mul(lr / (1 - beta1 ** t), tf.div(m!, denom)));
  }
}
