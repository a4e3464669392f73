/** Input checks shared by our kernels of every backend. */
import { DTypeError } from '@befunet/common';
import type * as tf from '@tensorflow/tfjs-core';

/** Throws a DTypeError naming the kernel input (`what`) unless `t` has the dtype. */
export function requireDType(t: tf.TensorInfo, dtype: tf.DataType, what: string): void {
  if (t.dtype !== dtype) throw new DTypeError(`${what} must be ${dtype}, got ${t.dtype}`);
}
