/**
 * LayerNorm over the last axis, y = (x - mean) / sqrt(var + eps) * gamma + beta (biased variance, eps
 * 1e-5 as PyTorch's default), as an op (the layer, `LayerNorm`, is @befunet/common's).
 *
 * tfjs-layers' own `LayerNormalization` tiles its statistics, gamma and beta to the input's size on
 * every call (four full-size copies, about eight kernels per norm). On WebGPU the op is one kernel
 * (`BefunetLayerNorm`: up to 8 threads share a row, vec4 loads when the channels divide by 4,
 * the row sums added in workgroup memory), and its
 * gradient four (`BefunetLayerNormGrad` for dx and for xhat * dy, two sums) instead of about twenty;
 * elsewhere both are broadcasting TF.js ops. The gradient is the same formula on every backend:
 * with xhat = (x - mean) * rstd and g = dy * gamma (per row, over the C channels),
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), dgamma = sum(dy * xhat), dbeta = sum(dy).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertDType } from '../checks.js';
import { ShapeError } from '../errors.js';
import { ownKernels } from '../own-kernels.js';
import { runFlatProgram, type WebGpuBackend } from '../webgpu/program.js';

/** PyTorch's LayerNorm epsilon, which the official code uses everywhere. */
export const LAYER_NORM_EPSILON = 1e-5;

/** The name of the fused WebGPU kernel. */
export const LAYER_NORM_KERNEL = 'BefunetLayerNorm';

/** WGSL: `lanes`-wide helpers: the sum of a vector's lanes, and a zero vector. */
function laneHelpers(lanes: 1 | 4) {
  return {
    total: lanes === 4 ? (v: string) => `dot(${v}, vec4<f32>(1.0))` : (v: string) => v,
    zero: lanes === 4 ? 'vec4<f32>(0.0)' : '0.0',
  };
}

/** Threads of a workgroup of the row programs, which share it out among `ROWS_PER_WORKGROUP` rows. */
const WORKGROUP_SIZE = 256;

/**
 * The most threads that share a row. Eight keep a row's threads in one SIMD group of Mesa's llvmpipe
 * (8 lanes of 256-bit AVX2), where the software WebGPU of CI gave rows shared by 16 or 32 threads
 * wrong sums (correct on SwiftShader's Vulkan); 8 x vec4 lanes still read 128 contiguous bytes.
 */
export const MAX_THREADS_PER_ROW = 8;

/**
 * Threads that share a row of `blocks` lanes: a power of two, up to MAX_THREADS_PER_ROW, that leaves
 * each at least two lanes (neighbouring threads read neighbouring lanes of the row).
 */
export function threadsPerRow(blocks: number): number {
  let threads = 1;
  while (threads < MAX_THREADS_PER_ROW && threads * 4 <= blocks) threads *= 2;
  return threads;
}

/**
 * WGSL: `rowTotal(value, index)`, the sum of `value` over the threads of one row (a tree in workgroup
 * memory). Every thread of the workgroup must call it, valid row or not, as it holds barriers.
 */
function rowTotalWgsl(rowThreads: number): string {
  return `
    var<workgroup> rowPartials : array<f32, ${WORKGROUP_SIZE}>;
    fn rowTotal(value : f32, index : i32) -> f32 {
      let slot = index % ${WORKGROUP_SIZE};
      let lane = index % ${rowThreads};
      rowPartials[slot] = value;
      workgroupBarrier();
for (var stride = ${rowThreads >> 1}; stride > 0; stride = stride / 2) {
        if (lane < stride) {
          rowPartials[slot] = rowPartials[slot] + rowPartials[slot + stride];
        }
        workgroupBarrier();
      }
      let total = rowPartials[slot - lane];
      workgroupBarrier();
      return total;
    }`;
}

/**
 * WGSL: this thread's `row`, `lane` among the row's `rowThreads`, `valid` (a real row, not a spare
 * thread), `base` (the row's first lane), and the row's `mean` and `rstd` = 1 / sqrt(var + eps).
 * A thread adds up lanes lane, lane + rowThreads, ... of its row; rowTotal adds the threads up.
 */
function rowStatisticsWgsl(lanes: 1 | 4, rowThreads: number): string {
  const { total, zero } = laneHelpers(lanes);
  return `
    let lane = index % ${rowThreads};
    let row = index / ${rowThreads};
    let valid = row < uniforms.rows;
    let base = row * uniforms.blocks;
    var sum = ${zero};
    if (valid) {
      for (var i = lane; i < uniforms.blocks; i += ${rowThreads}) {
        sum += x[base + i];
      }
    }
    let mean = rowTotal(${total('sum')}, index) / f32(uniforms.channels);
    var squares = ${zero};
    if (valid) {
      for (var i = lane; i < uniforms.blocks; i += ${rowThreads}) {
        let d = x[base + i] - mean;
        squares += d * d;
      }
    }
    let rstd = inverseSqrt(rowTotal(${total('squares')}, index) / f32(uniforms.channels) + uniforms.epsilon);`;
}

/** WGSL: a loop over this thread's lanes of a valid row. */
function forOwnLanes(rowThreads: number, body: string): string {
  return `
    if (valid) {
      for (var i = lane; i < uniforms.blocks; i += ${rowThreads}) {
        ${body}
      }
    }`;
}

function layerNormWgsl(lanes: 1 | 4, rowThreads: number): string {
  return `${rowStatisticsWgsl(lanes, rowThreads)}
    ${forOwnLanes(rowThreads, 'result[base + i] = (x[base + i] - mean) * rstd * gamma[i] + beta[i];')}`;
}

/** The name of the fused WebGPU kernel of the gradient: dx, or xhat * dy (for dgamma), per row. */
export const LAYER_NORM_GRAD_KERNEL = 'BefunetLayerNormGrad';

/**
 * WGSL of one row of the gradient (see the file comment): with g = dy * gamma,
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); or `xhatDy` = xhat * dy, summed over rows
 * afterwards for dgamma.
 */
function layerNormGradWgsl(lanes: 1 | 4, rowThreads: number, output: 'dx' | 'xhatDy'): string {
  const { total, zero } = laneHelpers(lanes);
  const statistics = rowStatisticsWgsl(lanes, rowThreads);
  if (output === 'xhatDy') {
    return `${statistics}
    ${forOwnLanes(rowThreads, 'result[base + i] = (x[base + i] - mean) * rstd * dy[base + i];')}`;
  }
  return `${statistics}
    var sumG = ${zero};
    var sumGXhat = ${zero};
    ${forOwnLanes(
      rowThreads,
      `let g = dy[base + i] * gamma[i];
        sumG += g;
        sumGXhat += g * (x[base + i] - mean) * rstd;`,
    )}
    let meanG = rowTotal(${total('sumG')}, index) / f32(uniforms.channels);
    let meanGXhat = rowTotal(${total('sumGXhat')}, index) / f32(uniforms.channels);
    ${forOwnLanes(
      rowThreads,
      `let xhat = (x[base + i] - mean) * rstd;
        result[base + i] = rstd * (dy[base + i] * gamma[i] - meanG - xhat * meanGXhat);`,
    )}`;
}

/**
 * Runs a LayerNorm-family program: each row of `x` (the last axis, `channels` values) shared by
 * threadsPerRow threads of one workgroup, every input read in vec4 lanes when the channels allow;
 * `inputs` in binding order, `x` first.
 */
function runRowProgram(
  backend: WebGpuBackend,
  kernelName: string,
  key: string,
  inputs: [string, tf.TensorInfo][],
  epsilon: number,
  body: (lanes: 1 | 4, rowThreads: number) => string,
): tf.TensorInfo {
  const x = inputs[0]![1];
  const channels = x.shape.at(-1)!;
  const lanes = channels % 4 === 0 ? 4 : 1;
  const blocks = channels / lanes;
  const rowThreads = threadsPerRow(blocks);
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  return runFlatProgram(
    backend,
    {
      kernelName,
      key: `${key}_${lanes}_${rowThreads}`,
      inputs: inputs.map(([name]) => ({ name, components: lanes })),
      outputShape: [...x.shape],
      outputComponents: lanes,
      threads: rows * rowThreads,
      uniforms: [
        ['rows', rows],
        ['blocks', blocks],
        ['channels', channels],
        ['epsilon', epsilon, 'f32'],
      ],
      functions: rowTotalWgsl(rowThreads),
      body: body(lanes, rowThreads),
      cooperative: { workgroupSize: WORKGROUP_SIZE },
    },
    inputs.map(([, tensor]) => tensor),
  );
}

const layerNormGradKernel: tf.KernelConfig = {
  kernelName: LAYER_NORM_GRAD_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, gamma, dy } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; dy: tf.TensorInfo };
    const { epsilon, output } = attrs as { epsilon: number; output: 'dx' | 'xhatDy' };
    // xhat * dy does not read gamma (an unread binding would not be in the pipeline's layout).
    const bound: [string, tf.TensorInfo][] =
      output === 'dx'
        ? [
            ['x', x],
            ['gamma', gamma],
            ['dy', dy],
          ]
        : [
            ['x', x],
            ['dy', dy],
          ];
    return runRowProgram(
      backend as WebGpuBackend,
      LAYER_NORM_GRAD_KERNEL,
      `layer_norm_grad_${output}`,
      bound,
      epsilon,
      (lanes, rowThreads) => layerNormGradWgsl(lanes, rowThreads, output),
    );
  },
};

const layerNormKernel: tf.KernelConfig = {
  kernelName: LAYER_NORM_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
    return runRowProgram(
      backend as WebGpuBackend,
      LAYER_NORM_KERNEL,
      'layer_norm',
      [
        ['x', x],
        ['gamma', gamma],
        ['beta', beta],
      ],
      (attrs as { epsilon: number }).epsilon,
      layerNormWgsl,
    );
  },
};

const ensureLayerNormKernels = ownKernels([layerNormKernel, layerNormGradKernel]);

/** mean and 1 / sqrt(var + eps) over the last axis, keeping it (size 1). */
function statistics(x: tf.Tensor, epsilon: number): { mean: tf.Tensor; rstd: tf.Tensor } {
  const { mean, variance } = tf.moments(x, -1, true);
  return { mean, rstd: tf.rsqrt(tf.add(variance, epsilon)) };
}

/** `(x - mean) / sqrt(var + eps) * gamma + beta`, statistics over the last axis of float32 `x`. */
export function layerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = LAYER_NORM_EPSILON,
): tf.Tensor {
  assertDType(x, ['float32'], 'layerNorm input');
  const channels = x.shape.at(-1);
  if (
    x.rank < 1 ||
    gamma.rank !== 1 ||
    beta.rank !== 1 ||
    gamma.size !== channels ||
    beta.size !== channels
  ) {
    throw new ShapeError(
      `layerNorm: gamma [${gamma.shape}] and beta [${beta.shape}] must be [C] for input [${x.shape}]`,
    );
  }
  const fused = tf.getBackend() === 'webgpu';
  if (fused) ensureLayerNormKernels();
  const op = tf.customGrad((...args: (tf.Tensor | ((saved: tf.Tensor[]) => void))[]) => {
    const [input, g, b] = args as tf.Tensor[];
    const save = args[3] as (saved: tf.Tensor[]) => void;
    save([input!, g!]);
    const value = fused
      ? (tf
          .engine()
          .runKernel(LAYER_NORM_KERNEL, { x: input!, gamma: g!, beta: b! }, { epsilon }) as tf.Tensor)
      : tf.tidy(() => {
          const { mean, rstd } = statistics(input!, epsilon);
          return tf.add(tf.mul(tf.mul(tf.sub(input!, mean), rstd), g!), b!);
        });
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, gs] = saved as [tf.Tensor, tf.Tensor];
      const upstream = dy as tf.Tensor;
      const outer = [...Array(xs.rank - 1).keys()];
      if (fused) {
        const grad = (output: 'dx' | 'xhatDy') =>
          tf
            .engine()
            .runKernel(
              LAYER_NORM_GRAD_KERNEL,
              { x: xs, gamma: gs, dy: upstream },
              { epsilon, output },
            ) as tf.Tensor;
        return [grad('dx'), tf.sum(grad('xhatDy'), outer), tf.sum(upstream, outer)];
      }
      const { mean, rstd } = statistics(xs, epsilon);
      const xhat = tf.mul(tf.sub(xs, mean), rstd);
      const g = tf.mul(upstream, gs);
      const dx = tf.mul(
        rstd,
        tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true))),
      );
      return [dx, tf.sum(tf.mul(upstream, xhat), outer), tf.sum(upstream, outer)];
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta);
}
