/**
 * GroupNorm on WebGPU in three kernels forward and seven backward (TF.js's ops take about eleven and
 * twenty-five), for NHWC x [B, H, W, C] with G groups of cg = C / G channels, S = H W cg elements per
 * (sample, group):
 *
 * forward   1. `BefunetGroupNormMoments`: a thread per (b, g, chunk of S) sums v = x - s and v^2, with
 *              s = the group's first element (a shift that keeps E[v^2] - E[v]^2 free of
 *              cancellation for any mean); a Sum over the chunks gives [B, G, 2];
 *           2. `BefunetGroupNormApply`: y = (x - mean) * rstd * gamma + beta per element.
 * backward  with xhat = (x - mean) * rstd and g = dy * gamma (as LayerNorm, over the group):
 *              dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
 *              dgamma = sum over b, h, w of dy * xhat,  dbeta = sum of dy;
 *           3. `BefunetGroupNormGradMoments`: per (b, g, chunk) sums of g and g * xhat, then a Sum;
 *           4. `BefunetGroupNormGradInput`: dx per element;
 *           5. `BefunetGroupNormGradParams`: per (channel, chunk of rows) sums of dy * xhat (gamma)
 *              or dy (beta), then a Sum each.
 * Chunk sums land on the innermost axis, so that each Sum is a plain row reduction (no transpose).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ownKernels } from '../own-kernels.js';
import { runFlatProgram, type WebGpuBackend } from '../webgpu/program.js';

export const GROUP_NORM_MOMENTS_KERNEL = 'BefunetGroupNormMoments';
export const GROUP_NORM_APPLY_KERNEL = 'BefunetGroupNormApply';
export const GROUP_NORM_GRAD_MOMENTS_KERNEL = 'BefunetGroupNormGradMoments';
export const GROUP_NORM_GRAD_INPUT_KERNEL = 'BefunetGroupNormGradInput';
export const GROUP_NORM_GRAD_PARAMS_KERNEL = 'BefunetGroupNormGradParams';

/** Elements (or rows) each thread of a chunked sum walks. */
const CHUNK = 512;

interface Geometry {
  batch: number;
  pixels: number;
  channels: number;
  groups: number;
  /** Elements per (sample, group): pixels * channels / groups. */
  size: number;
  /** Chunks per (sample, group). */
  chunks: number;
}

function geometry(x: tf.TensorInfo, groups: number): Geometry {
  const [batch, h, w, channels] = x.shape as [number, number, number, number];
  const size = (h * w * channels) / groups;
  return { batch, pixels: h * w, channels, groups, size, chunks: Math.ceil(size / CHUNK) };
}

function uniforms(g: Geometry, epsilon = 0): [string, number, ('i32' | 'f32')?][] {
  return [
    ['pixels', g.pixels],
    ['channels', g.channels],
    ['groups', g.groups],
    ['size', g.size],
    ['chunks', g.chunks],
    ['chunk', CHUNK],
    ['epsilon', epsilon, 'f32'],
  ];
}

/** WGSL: the flat index of element e of (sample b, group g). */
const GROUP_ELEMENT_WGSL = `
  fn groupElement(b : i32, g : i32, e : i32) -> i32 {
    let cg = uniforms.channels / uniforms.groups;
    return (b * uniforms.pixels + e / cg) * uniforms.channels + g * cg + e % cg;
  }`;

/**
 * WGSL: a group's mean and rstd from the summed moments [B, G, 2] (sums of v and v^2, v = x - the
 * group's first element).
 */
const STATISTICS_WGSL = `${GROUP_ELEMENT_WGSL}
  fn groupMean(b : i32, g : i32) -> f32 {
    let at = (b * uniforms.groups + g) * 2;
    return x[groupElement(b, g, 0)] + moments[at] / f32(uniforms.size);
  }
  fn groupRstd(b : i32, g : i32) -> f32 {
    let at = (b * uniforms.groups + g) * 2;
    let m = moments[at] / f32(uniforms.size);
    return inverseSqrt(max(moments[at + 1] / f32(uniforms.size) - m * m, 0.0) + uniforms.epsilon);
  }`;

/** Per element: its sample, channel and group (the element's flat index is `index`). */
const ELEMENT_WGSL = `
    let c = index % uniforms.channels;
    let b = index / (uniforms.pixels * uniforms.channels);
    let g = c / (uniforms.channels / uniforms.groups);
    let mean = groupMean(b, g);
    let rstd = groupRstd(b, g);
    let xhat = (x[index] - mean) * rstd;`;

/** A thread per (b, g, chunk k): writes two chunk sums at [b, g, 0 | 1, k]. */
function chunkSumsWgsl(first: string, second: string, prelude = ''): string {
  return `
    let k = index % uniforms.chunks;
    let g = (index / uniforms.chunks) % uniforms.groups;
    let b = index / (uniforms.chunks * uniforms.groups);${prelude}
    var sum0 = 0.0;
    var sum1 = 0.0;
    let end = min(uniforms.size, (k + 1) * uniforms.chunk);
    for (var e = k * uniforms.chunk; e < end; e++) {
      let at = groupElement(b, g, e);
      let c = at % uniforms.channels;
      ${first}
      ${second}
    }
    let out = ((b * uniforms.groups + g) * 2) * uniforms.chunks + k;
    result[out] = sum0;
    result[out + uniforms.chunks] = sum1;`;
}

const MOMENTS_WGSL = chunkSumsWgsl(
  'let v = x[at] - shift; sum0 += v;',
  'sum1 += v * v;',
  `
    let shift = x[groupElement(b, g, 0)];`,
);

const GRAD_MOMENTS_WGSL = chunkSumsWgsl(
  'let gv = dy[at] * gamma[c]; sum0 += gv;',
  'sum1 += gv * (x[at] - mean) * rstd;',
  `
    let mean = groupMean(b, g);
    let rstd = groupRstd(b, g);`,
);

/** A thread per (channel c, chunk k of the B H W rows): the chunk's sum of dy * xhat, or of dy. */
const GRAD_PARAMS_WGSL = `
    let k = index % uniforms.rowChunks;
    let c = index / uniforms.rowChunks;
    let g = c / (uniforms.channels / uniforms.groups);
    var sum = 0.0;
    let end = min(uniforms.rows, (k + 1) * uniforms.chunk);
    for (var r = k * uniforms.chunk; r < end; r++) {
      let at = r * uniforms.channels + c;
      let b = r / uniforms.pixels;
      if (uniforms.withXhat == 1) {
        sum += dy[at] * (x[at] - groupMean(b, g)) * groupRstd(b, g);
      } else {
        sum += dy[at];
      }
    }
    result[index] = sum;`;

type Input = { name: string; components: 1 };
const inputs = (...names: string[]): Input[] => names.map((name) => ({ name, components: 1 }));

function groupNormKernel(
  kernelName: string,
  make: (
    t: Record<string, tf.TensorInfo>,
    g: Geometry,
    attrs: { groups: number; epsilon: number; which?: 'gamma' | 'beta' },
  ) => {
    names: string[];
    outputShape: number[];
    threads: number;
    body: string;
    extra?: [string, number][];
    functions?: string;
  },
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs: tensors, attrs, backend }) => {
      const t = tensors as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as { groups: number; epsilon: number; which?: 'gamma' | 'beta' };
      const g = geometry(t.x!, a.groups);
      const spec = make(t, g, a);
      return runFlatProgram(
        backend as WebGpuBackend,
        {
          kernelName,
          key: kernelName,
          inputs: inputs(...spec.names),
          outputShape: spec.outputShape,
          threads: spec.threads,
          uniforms: [...uniforms(g, a.epsilon), ...(spec.extra ?? [])],
          functions: spec.functions ?? STATISTICS_WGSL,
          body: spec.body,
        },
        spec.names.map((n) => t[n]!),
      );
    },
  };
}

const ensureGroupNormKernels = ownKernels([
  groupNormKernel(GROUP_NORM_MOMENTS_KERNEL, (_, g) => {
    return {
      names: ['x'],
      outputShape: [g.batch, g.groups, 2, g.chunks],
      threads: g.batch * g.groups * g.chunks,
      body: MOMENTS_WGSL,
      functions: GROUP_ELEMENT_WGSL,
    };
  }),
  groupNormKernel(GROUP_NORM_APPLY_KERNEL, (t) => ({
    names: ['x', 'moments', 'gamma', 'beta'],
    outputShape: [...t.x!.shape],
    threads: tf.util.sizeFromShape(t.x!.shape),
    body: `${ELEMENT_WGSL}
    result[index] = xhat * gamma[c] + beta[c];`,
  })),
  groupNormKernel(GROUP_NORM_GRAD_MOMENTS_KERNEL, (_, g) => {
    return {
      names: ['x', 'moments', 'gamma', 'dy'],
      outputShape: [g.batch, g.groups, 2, g.chunks],
      threads: g.batch * g.groups * g.chunks,
      body: GRAD_MOMENTS_WGSL,
    };
  }),
  groupNormKernel(GROUP_NORM_GRAD_INPUT_KERNEL, (t) => ({
    names: ['x', 'moments', 'gamma', 'dy', 'gradMoments'],
    outputShape: [...t.x!.shape],
    threads: tf.util.sizeFromShape(t.x!.shape),
    body: `${ELEMENT_WGSL}
    let at = (b * uniforms.groups + g) * 2;
    let meanG = gradMoments[at] / f32(uniforms.size);
    let meanGXhat = gradMoments[at + 1] / f32(uniforms.size);
    result[index] = rstd * (dy[index] * gamma[c] - meanG - xhat * meanGXhat);`,
  })),
  groupNormKernel(GROUP_NORM_GRAD_PARAMS_KERNEL, (_, g, a) => {
    const rows = g.batch * g.pixels;
    const chunks = Math.ceil(rows / CHUNK);
    return {
      names: ['x', 'moments', 'dy'],
      outputShape: [g.channels, chunks],
      threads: g.channels * chunks,
      body: GRAD_PARAMS_WGSL,
      extra: [
        ['rows', rows],
        ['rowChunks', chunks],
        ['withXhat', a.which === 'gamma' ? 1 : 0],
      ],
    };
  }),
]);

const run = (kernel: string, t: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(kernel, t, attrs as tf.NamedAttrMap) as tf.Tensor;

/** GroupNorm of float32 NHWC `x` on WebGPU (see the file comment), differentiable in x, gamma, beta. */
export function groupNormWebGpu(
  x: tf.Tensor4D,
  groups: number,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): tf.Tensor4D {
  ensureGroupNormKernels();
  const attrs = { groups, epsilon };
  const op = tf.customGrad((...args: (tf.Tensor | ((saved: tf.Tensor[]) => void))[]) => {
    const [input, g, b] = args as tf.Tensor[];
    const moments = tf.sum(run(GROUP_NORM_MOMENTS_KERNEL, { x: input! }, attrs), -1);
    (args[3] as (saved: tf.Tensor[]) => void)([input!, g!, moments]);
    const value = run(GROUP_NORM_APPLY_KERNEL, { x: input!, moments, gamma: g!, beta: b! }, attrs);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, gs, ms] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const upstream = dy as tf.Tensor;
      const gradMoments = tf.sum(
        run(GROUP_NORM_GRAD_MOMENTS_KERNEL, { x: xs, moments: ms, gamma: gs, dy: upstream }, attrs),
        -1,
      );
      const dx = run(
        GROUP_NORM_GRAD_INPUT_KERNEL,
        { x: xs, moments: ms, gamma: gs, dy: upstream, gradMoments },
        attrs,
      );
      const param = (which: 'gamma' | 'beta') =>
        tf.sum(
          run(GROUP_NORM_GRAD_PARAMS_KERNEL, { x: xs, moments: ms, dy: upstream }, { ...attrs, which }),
          -1,
        );
      return [dx, param('gamma'), param('beta')];
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
