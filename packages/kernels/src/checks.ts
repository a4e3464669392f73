/**
 * Argument checks that kernels and ops need (the other checks are @befunet/common's): they throw
 * typed errors naming the argument and the expectation.
 */
import type { DataType, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { DTypeError } from './errors.js';

/** Formats a shape as `[2,3,4]`; `null` dimensions (symbolic batch) print as `?`. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d == null ? '?' : String(d))).join(',')}]`;
}

/** Throws a DTypeError unless the tensor's dtype is one of `allowed`. */
export function assertDType(tensor: Tensor, allowed: readonly DataType[], what: string): void {
  if (!allowed.includes(tensor.dtype)) {
    throw new DTypeError(`${what} must have dtype ${allowed.join(' or ')}, got ${tensor.dtype}`);
  }
}

/** Throws a DTypeError naming a kernel input (`what`) unless it has the dtype (kernels get TensorInfos). */
export function requireDType(t: TensorInfo, dtype: DataType, what: string): void {
  if (t.dtype !== dtype) throw new DTypeError(`${what} must be ${dtype}, got ${t.dtype}`);
}
