/**
 * A faster `BatchMatMul` for TF.js's wasm backend. Its own kernel (4.22, `batch_mat_mul_impl.cc`)
 * calls XNNPACK's fully-connected operator only for one product without transposes, a [1, M, K] times
 * b [1, K, N]; any transposeA, transposeB or batch falls to a scalar blocked triple loop (about
 * 0.7 GMAC/s, reading a with a stride for transposeA). The gradients of a dense layer C = A B are
 * exactly such products, dA = dC Bᵀ and dB = Aᵀ dC: they took 7.4 of the 12.7 s of the official
 * preset's training step (224 px, batch 1, 2-core machine).
 *
 * This kernel brings every product with at most one batched operand to the fast path:
 *  - a transposed operand is materialised by the backend's own Transpose kernel (O(MK) work, against
 *    O(MKN) for the product);
 *  - b shared by a batch of a: the batch folds into the rows of a, [batch M, K] times [K, N];
 *  - a shared by a batch of b: C_i = A B_i is the transpose of B_iᵀ Aᵀ, so [batch N, K] times
 *    [K, M], transposed back per batch;
 *  - one product takes whichever of the two forms moves fewer elements outside the product: for
 *    dA = dC Bᵀ with a large weight B and few rows in dC, transposing dC and the result beats
 *    transposing and packing B (2.4M elements for a 768 x 3072 dense layer).
 * Products of two batched operands, and empty ones, keep the backend's kernel.
 */

import * as tf from '@tensorflow/tfjs-core';
import { requireDType } from '../checks.js';
import { ShapeError } from '../errors.js';
import { runKernelConfig, wasmKernel } from './wasm-heap.js';

const NAME = tf.BatchMatMul;
const NO_TRANSPOSE = { transposeA: false, transposeB: false };

interface MatMulInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
}

/** The same data seen with another shape of the same size (no copy, no reference taken). */
function view(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: t.dataId, dtype: t.dtype, shape };
}

/** The size of the batch axes (all but the last two) of a shape. */
const batchSize = (shape: readonly number[]): number => tf.util.sizeFromShape(shape.slice(0, -2));

/**
 * The `BatchMatMul` kernel above, falling back to `original` (the backend's own) where it does not
 * apply. It keeps `original`'s setup (binding the WebAssembly function), which the engine runs when
 * the backend initialises after the registration.
 */
export function wasmBatchMatMulOver(original: tf.KernelConfig): tf.KernelConfig {
  const kernel = wasmKernel<MatMulInputs, tf.BatchMatMulAttrs>(NAME, (inputs, attrs, backend) => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs;
    requireDType(a, 'float32', `${NAME} a`);
    requireDType(b, 'float32', `${NAME} b`);
    if (a.shape.length < 2 || b.shape.length < 2) {
      throw new ShapeError(`${NAME} needs a and b of rank 2 or more, got [${a.shape}] and [${b.shape}]`);
    }
    const [a0, a1] = a.shape.slice(-2) as [number, number];
    const [b0, b1] = b.shape.slice(-2) as [number, number];
    const [m, k] = transposeA ? [a1, a0] : [a0, a1];
    const [kb, n] = transposeB ? [b1, b0] : [b0, b1];
    if (k !== kb) {
      throw new ShapeError(
        `${NAME} inner dimensions differ: a [${a.shape}] (transposeA ${transposeA}) and b [${b.shape}] (transposeB ${transposeB})`,
      );
    }
    const outShape = [
      ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
      m,
      n,
    ];
    const batchA = batchSize(a.shape);
    const batchB = batchSize(b.shape);
    const transposeKernel = tf.getKernel(tf.Transpose, 'wasm');
    if ((batchA > 1 && batchB > 1) || m * n * k === 0 || !transposeKernel) {
      return runKernelConfig(original, { a, b }, attrs as unknown as tf.NamedAttrMap, backend);
    }

    const temporaries: tf.TensorInfo[] = [];
    /** t with its last two axes swapped, as a new tensor (disposed at the end). */
    const swapped = (t: tf.TensorInfo): tf.TensorInfo => {
      const r = t.shape.length;
      const perm = t.shape.map((_, i) => (i < r - 2 ? i : 2 * r - 3 - i));
      const out = runKernelConfig(transposeKernel, { x: t }, { perm }, backend);
      temporaries.push(out);
      return out;
    };
    // Elements moved outside the product: transposed operands, XNNPACK's packing of the weights
    // (the right operand), and for Cᵀ = Bᵀ Aᵀ the result transposed back.
    const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
    const throughTranspose = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + k * m + m * n;
    try {
      if (batchB === 1 && (batchA > 1 || direct <= throughTranspose)) {
        const rows = transposeA ? swapped(a) : a; // [..., M, K]
        const weights = transposeB ? swapped(b) : b; // [..., K, N]
        const out = runKernelConfig(
          original,
          { a: view(rows, [batchA * m, k]), b: view(weights, [k, n]) },
          NO_TRANSPOSE,
          backend,
        );
        out.shape = outShape;
        return out;
      }
      const rows = transposeB ? b : swapped(b); // B_iᵀ [..., N, K]
      const weights = transposeA ? a : swapped(a); // Aᵀ [..., K, M]
      const product = runKernelConfig(
        original,
        { a: view(rows, [batchB * n, k]), b: view(weights, [k, m]) },
        NO_TRANSPOSE,
        backend,
      );
      temporaries.push(product);
      const out = runKernelConfig(
        transposeKernel,
        { x: view(product, [batchB, n, m]) },
        { perm: [0, 2, 1] },
        backend,
      );
      out.shape = outShape;
      return out;
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  });
  return { ...kernel, setupFunc: original.setupFunc };
}
