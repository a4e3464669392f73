/**
 * A model report: parameters per component, and multiply-accumulates (MACs) per image counted from
 * the kernels one forward pass actually runs (TF.js profiling records each kernel's input and output
 * shapes; convolutions and matrix products are counted, element-wise work is not, as is usual).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export interface ComponentReport {
  name: string;
  className: string;
  parameters: number;
}

export interface ModelReport {
  components: ComponentReport[];
  parameters: number;
  trainableParameters: number;
  /** Multiply-accumulates of one forward pass, per image. */
  macsPerImage: number;
}

type Shape = number[];
const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** MACs of one kernel call from its name and shapes; 0 for kernels that are not products. */
export function kernelMacs(name: string, inputShapes: Shape[], outputShapes: Shape[]): number {
  const [x, w] = inputShapes;
  const [y] = outputShapes;
  if (!x || !w || !y) return 0;
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D':
      // y [B, H', W', Cout], w [kh, kw, Cin, Cout]: one MAC per output element and kernel tap.
      return size(y) * w[0]! * w[1]! * w[2]!;
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D':
      // w [kh, kw, Cin, multiplier]: each output element sees kh x kw inputs.
      return size(y) * w[0]! * w[1]!;
    case 'BatchMatMul':
    case '_FusedMatMul': {
      // y [..., M, N]; x's last two axes are M and K in either order (transposeA), so K = x[-1] x[-2] / M.
      const m = y.length >= 2 ? y[y.length - 2]! : 1;
      const k = x.length >= 2 ? (x[x.length - 1]! * x[x.length - 2]!) / m : x[0]!;
      return size(y) * k;
    }
    default:
      return 0;
  }
}

export async function modelReport(model: tfl.LayersModel): Promise<ModelReport> {
  const components = model.layers
    .filter((l) => l.countParams() > 0)
    .map((l) => ({ name: l.name, className: l.getClassName(), parameters: l.countParams() }));
  const [, h, w, c] = model.inputs[0]!.shape;
  const x = tf.zeros([1, h!, w!, c!]);
  const profile = await tf.profile(() => {
    const out = model.predict(x) as tf.Tensor | tf.Tensor[];
    tf.dispose(out);
  });
  x.dispose();
  const macsPerImage = profile.kernels.reduce(
    (s, k) => s + kernelMacs(k.name, k.inputShapes as Shape[], k.outputShapes as Shape[]),
    0,
  );
  return {
    components,
    parameters: model.countParams(),
    trainableParameters: model.trainableWeights.reduce((s, v) => s + size(v.shape as Shape), 0),
    macsPerImage,
  };
}

export interface OfficialParameterCounts {
  /** Parameters that affect the official output: this graph's, plus the class-token rows of the two position embeddings. */
  affectingOutput: number;
  /** Parameters of the released PyTorch module, including the ones without effect. */
  releasedModule: number;
}

/** A pre-norm Transformer block of width d and MLP ratio r: LN, qkv, proj, LN, fc1, fc2 (with biases). */
const transformerBlock = (d: number, r: number) => (4 + 2 * r) * d * d + (9 + r) * d;
/** LayerNorm then Linear(a -> b), as the official DLF's class-token projections. */
const normLinear = (a: number, b: number) => 2 * a + a * b + b;
/** Class-token cross-attention of width d without MLP: LN, wq, wk, wv, proj. */
const crossAttention = (d: number) => 4 * d * d + 6 * d;
/** PiDiNet's 17th layer in the released edge branch: four 1x1 convs from its 12 dilation channels to 1. */
const PIDINET_HEAD = 4 * (12 + 1);

/**
 * The parameter counts the official code reports for an `official` model of this configuration. The
 * released module also holds, without effect on the output: the DLF block (HiFormer's, with depths
 * L = dlf.largeDepth, S = dlf.smallDepth, MLP ratio dlf.mlpRatio, and a cross-attention of depth 0),
 * the two class-token LayerNorms, and PiDiNet's edge head.
 */
export function officialParameterCounts(
  model: tfl.LayersModel,
  largeDim: number,
  dlf: { largeDepth: number; smallDepth: number; mlpRatio: number },
): OfficialParameterCounts {
  const smallDim = 8 * largeDim;
  const classRows = largeDim + smallDim;
  const affectingOutput = model.countParams() + classRows;
  const dlfBlock =
    dlf.largeDepth * transformerBlock(largeDim, dlf.mlpRatio) +
    dlf.smallDepth * transformerBlock(smallDim, dlf.mlpRatio) +
    2 * (normLinear(largeDim, smallDim) + normLinear(smallDim, largeDim)) +
    crossAttention(largeDim) +
    crossAttention(smallDim);
  const classNorms = 2 * largeDim + 2 * smallDim;
  return { affectingOutput, releasedModule: affectingOutput + dlfBlock + classNorms + PIDINET_HEAD };
}
