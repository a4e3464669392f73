/**
 * The cyclic shift of SW-MSA (`torch.roll(x, (s, s), dims=(1, 2))`): out[b, y, x, c] =
 * in[b, (y - s) mod H, (x - s) mod W, c].
 *
 * On WebGPU it is one kernel (`BefunetCyclicShift`, vec4 loads when the channels divide by 4)
 * instead of two slices and a concat per axis; elsewhere it is those TF.js ops. Its gradient is the
 * opposite shift.
 */
import { assertRank } from '@befunet/common';
import { runFlatProgram, type WebGpuBackend } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';

/** The name of the fused WebGPU kernel. */
export const CYCLIC_SHIFT_KERNEL = 'BefunetCyclicShift';

const CYCLIC_SHIFT_WGSL = `
  let block = index % uniforms.blocks;
  var rest = index / uniforms.blocks;
  let col = rest % uniforms.width;
  rest = rest / uniforms.width;
  let row = rest % uniforms.height;
  let image = rest / uniforms.height;
  let sourceRow = (row + uniforms.height - uniforms.shiftRows) % uniforms.height;
  let sourceCol = (col + uniforms.width - uniforms.shiftCols) % uniforms.width;
  result[index] = x[((image * uniforms.height + sourceRow) * uniforms.width + sourceCol) * uniforms.blocks + block];`;

tf.registerKernel({
  kernelName: CYCLIC_SHIFT_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { shift } = attrs as { shift: number };
    const [, h, w, c] = x.shape as [number, number, number, number];
    const lanes = c % 4 === 0 ? 4 : 1;
    const positive = (n: number) => ((shift % n) + n) % n;
    return runFlatProgram(
      backend as WebGpuBackend,
      {
        kernelName: CYCLIC_SHIFT_KERNEL,
        key: `cyclic_shift_${lanes}`,
        inputs: [{ name: 'x', components: lanes }],
        outputShape: [...x.shape],
        outputComponents: lanes,
        threads: tf.util.sizeFromShape(x.shape) / lanes,
        uniforms: [
          ['blocks', c / lanes],
          ['width', w],
          ['height', h],
          ['shiftRows', positive(h)],
          ['shiftCols', positive(w)],
        ],
        body: CYCLIC_SHIFT_WGSL,
      },
      [x],
    );
  },
});

/** `torch.roll` along one axis: out[i] = x[(i - shift) mod n]. */
export function roll<T extends tf.Tensor>(x: T, shift: number, axis: number): T {
  const n = x.shape[axis]!;
  const s = ((shift % n) + n) % n;
  if (s === 0) return tf.clone(x);
  return tf.tidy(() => {
    const begin = x.shape.map(() => 0);
    const size = x.shape.map(() => -1);
    const head = tf.slice(
      x,
      begin.map((b, i) => (i === axis ? n - s : b)),
      size,
    );
    const tail = tf.slice(
      x,
      begin,
      size.map((d, i) => (i === axis ? n - s : d)),
    );
    return tf.concat([head, tail], axis) as T;
  });
}

function shiftOnce(x: tf.Tensor4D, shift: number): tf.Tensor4D {
  if (tf.getBackend() === 'webgpu' && x.dtype === 'float32') {
    return tf.engine().runKernel(CYCLIC_SHIFT_KERNEL, { x }, { shift }) as tf.Tensor4D;
  }
  return tf.tidy(() => roll(roll(x, shift, 1), shift, 2));
}

/** Rolls rows and columns of `x` [B, H, W, C] by `shift` (negative: towards the top left). */
export function cyclicShift(x: tf.Tensor4D, shift: number): tf.Tensor4D {
  assertRank(x, 4, 'cyclicShift input');
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: shiftOnce(args[0] as tf.Tensor4D, shift),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => shiftOnce(dy as tf.Tensor4D, -shift),
  }));
  return op(x) as tf.Tensor4D;
}
