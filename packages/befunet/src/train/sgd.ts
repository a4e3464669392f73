/**
 * SGD with momentum and L2 weight decay, with PyTorch's `torch.optim.SGD` semantics (dampening 0,
 * no Nesterov): `g += wd * w; buf = momentum * buf + g; w -= lr * buf`. The buffer starts at zero,
 * which gives PyTorch's first step (`buf = g`) exactly.
 */
import { ConfigError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { SlotOptimizer } from './slot-optimizer.js';

export interface SgdConfig {
  kind: 'sgd';
  /** Defaults to 0.9 (the official recipe). */
  momentum?: number;
  /** L2 penalty added to the gradient. Defaults to 1e-4 (the official recipe). */
  weightDecay?: number;
}

export type ResolvedSgdConfig = Required<SgdConfig>;

export function resolveSgdConfig(c: SgdConfig): ResolvedSgdConfig {
  const momentum = c.momentum ?? 0.9;
  const weightDecay = c.weightDecay ?? 1e-4;
  if (!(momentum >= 0 && momentum < 1))
    throw new ConfigError(`sgd momentum must be in [0, 1), got ${momentum}`);
  if (!(weightDecay >= 0 && Number.isFinite(weightDecay)))
    throw new ConfigError(`sgd weightDecay must be >= 0, got ${weightDecay}`);
  return { kind: 'sgd', momentum, weightDecay };
}

export class Sgd extends SlotOptimizer {
  protected readonly slotNames = ['momentum_buffer'] as const;
  readonly config: ResolvedSgdConfig;

  constructor(config: Omit<SgdConfig, 'kind'> = {}) {
    super();
    this.config = resolveSgdConfig({ ...config, kind: 'sgd' });
  }

  protected update(w: tf.Variable, g: tf.Tensor, [buf]: tf.Variable[], lr: number): tf.Tensor {
    const { momentum, weightDecay } = this.config;
    const decayed = weightDecay === 0 ? g : tf.add(g, tf.mul(weightDecay, w));
    buf!.assign(tf.add(tf.mul(momentum, buf!), decayed));
    return tf.sub(w, tf.mul(lr, buf!));
  }
}
