/**
 * GELU in its exact form, x * Phi(x) = x/2 (1 + erf(x / sqrt 2)), as PyTorch's `nn.GELU()` (not the
 * tanh approximation).
 *
 * On WebGPU it is one kernel (`BefunetGelu`) instead of five (two products, erf, a sum, a product),
 * and so is its gradient (`BefunetGeluGrad`, instead of ten); their erf is the Abramowitz-Stegun
 * 7.1.26 rational approximation (|error| < 1.5e-7), the one TF.js's own WebGPU `Erf` uses. Elsewhere it is those TF.js ops. The gradient is
 * d/dx = Phi(x) + x phi(x) = (1 + erf(x / sqrt 2)) / 2 + x exp(-x^2 / 2) / sqrt(2 pi).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ownKernels } from '../own-kernels.js';
import { elementwiseKernel } from '../webgpu/elementwise.js';

/** The name of the fused WebGPU kernel. */
export const GELU_KERNEL = 'BefunetGelu';

/** WGSL: `cdf` = Phi(v) = (1 + erf(v / sqrt 2)) / 2 of `v` (scalar or vec4). */
const CDF_WGSL = `
  let z = abs(v) * ${Math.SQRT1_2};
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  let cdf = 0.5 * (1.0 + sign(v) * (1.0 - poly * exp(-z * z)));`;

/** The name of the fused WebGPU kernel of the gradient, dy * (Phi(x) + x phi(x)). */
export const GELU_GRAD_KERNEL = 'BefunetGeluGrad';

const ensureGeluKernels = ownKernels([
  elementwiseKernel(GELU_KERNEL, ['x'], `let v = x[index];${CDF_WGSL}\n  result[index] = v * cdf;`),
  elementwiseKernel(
    GELU_GRAD_KERNEL,
    ['dy', 'x'],
    `let v = x[index];${CDF_WGSL}\n  result[index] = dy[index] * (cdf + v * exp(-0.5 * v * v) * ${1 / Math.sqrt(2 * Math.PI)});`,
  ),
]);

export function gelu<T extends tf.Tensor>(x: T): T {
  const fused = tf.getBackend() === 'webgpu' && x.dtype === 'float32';
  if (fused) ensureGeluKernels();
  const op = tf.customGrad((...args: (tf.Tensor | ((saved: tf.Tensor[]) => void))[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as (saved: tf.Tensor[]) => void)([input]);
    const value = fused
      ? (tf.engine().runKernel(GELU_KERNEL, { x: input }) as tf.Tensor)
      : tf.tidy(() => tf.mul(tf.mul(input, 0.5), tf.add(1, tf.erf(tf.mul(input, Math.SQRT1_2)))));
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], [xs]: tf.Tensor[]) => {
      if (fused)
        return [tf.engine().runKernel(GELU_GRAD_KERNEL, { dy: dy as tf.Tensor, x: xs! }) as tf.Tensor];
      const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(xs!, Math.SQRT1_2))), 0.5);
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs!), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [tf.mul(dy as tf.Tensor, tf.add(cdf, tf.mul(xs!, pdf)))];
    };
    return { value, gradFunc };
  });
  return op(x) as T;
}
