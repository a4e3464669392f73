/**
 * SGD with momentum and L2 weight decay, with PyTorch's `torch.optim.SGD` semantics (dampening 0,
 * no Nesterov): `g += wd * w; buf = momentum * buf + g; w -= lr * buf`. The buffer starts at zero,
 * which gives PyTorch's first step (`buf = g`) exactly.
 *
 * On WebGPU a parameter's update is two kernels (the buffer, then the parameter; the scalars as
 * uniforms) instead of six kernels and three scalar uploads. The learning rate may be a one-element
 * tensor (read on the device: a replayed training step takes a new rate as an input).
 */
import { ConfigError } from '@befunet/common';
import { registerElementwiseKernel } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { SlotOptimizer } from './slot-optimizer.js';

/** WebGPU kernel: momentum * buf + g + weightDecay * w. */
export const SGD_BUFFER_KERNEL = 'BefunetSgdBuffer';
/** WebGPU kernel: w - lr * buf. */
export const SGD_PARAMETER_KERNEL = 'BefunetSgdParameter';
/** WebGPU kernel: w - lr[0] * buf, the learning rate a one-element tensor. */
export const SGD_PARAMETER_TENSOR_LR_KERNEL = 'BefunetSgdParameterTensorLr';

registerElementwiseKernel(
  SGD_BUFFER_KERNEL,
  ['buf', 'g', 'w'],
  'result[index] = uniforms.momentum * buf[index] + g[index] + uniforms.weightDecay * w[index];',
  ['momentum', 'weightDecay'],
);
registerElementwiseKernel(
  SGD_PARAMETER_KERNEL,
  ['w', 'buf'],
  'result[index] = w[index] - uniforms.lr * buf[index];',
  ['lr'],
);
registerElementwiseKernel(
  SGD_PARAMETER_TENSOR_LR_KERNEL,
  ['w', 'buf'],
  'result[index] = w[index] - lr[0] * buf[index];',
  [],
  ['lr'],
);

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
  protected override readonly learningRateAsTensor = true;
  readonly config: ResolvedSgdConfig;

  constructor(config: Omit<SgdConfig, 'kind'> = {}) {
    super();
    this.config = resolveSgdConfig({ ...config, kind: 'sgd' });
  }

  protected update(w: tf.Variable, g: tf.Tensor, [buf]: tf.Variable[], lr: number | tf.Tensor): tf.Tensor {
    const { momentum, weightDecay } = this.config;
    if (tf.getBackend() === 'webgpu' && w.dtype === 'float32' && g.dtype === 'float32') {
      const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) =>
        tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;
      buf!.assign(run(SGD_BUFFER_KERNEL, { buf: buf!, g, w }, { momentum, weightDecay }));
      return typeof lr === 'number'
        ? run(SGD_PARAMETER_KERNEL, { w, buf: buf! }, { lr })
        : run(SGD_PARAMETER_TENSOR_LR_KERNEL, { w, buf: buf!, lr }, {});
    }
    const decayed = weightDecay === 0 ? g : tf.add(g, tf.mul(weightDecay, w));
    buf!.assign(tf.add(tf.mul(momentum, buf!), decayed));
    return tf.sub(w, tf.mul(lr, buf!));
  }
}

/** `run(rate)` with the learning rate as a one-element tensor (an input of a replayed step), freed after. */
export function withLearningRate<T>(lr: number, run: (rate: tf.Scalar) => T): T {
  const rate = tf.scalar(lr);
  try {
    return run(rate);
  } finally {
    rate.dispose();
  }
}
