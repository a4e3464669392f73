/**
 * Targets of the multi-class losses: class-index maps or one-hot maps, checked against the
 * prediction's shape, and the asynchronous value checks that a synchronous loss cannot do.
 *
 * Layout is TF.js's channels-last: predictions are `[B, ...spatial, C]`; class-index targets are
 * `[B, ...spatial]` or `[B, ...spatial, 1]`; one-hot (or soft) targets have the prediction's shape.
 */
import { formatShape, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { LabelValueError } from './errors.js';

/** True when `yTrue` holds class indices for `yPred` (rather than one-hot maps of its shape). */
export function isClassIndexTarget(yTrue: tf.Tensor, yPred: tf.Tensor, what: string): boolean {
  const p = yPred.shape;
  const t = yTrue.shape;
  if (p.length < 2) {
    throw new ShapeError(`${what}: prediction must be [batch, ...spatial, classes], got ${formatShape(p)}`);
  }
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((d, i) => d === b[i]);
  if (same(t, p)) return false;
  const spatial = p.slice(0, -1);
  if (same(t, spatial) || same(t, [...spatial, 1])) return true;
  throw new ShapeError(
    `${what}: target must be class indices ${formatShape(spatial)} or ${formatShape([...spatial, 1])}, ` +
      `or one-hot ${formatShape(p)}, got ${formatShape(t)}`,
  );
}

/**
 * One-hot float32 maps of integer class indices, computed in float arithmetic as
 * `max(0, 1 - |index - k|)` for k = 0..depth-1 (exactly 1 at k = index, else 0, for integers below
 * 2^24). TF.js 4.22's kernels make every other route wrong on some backend: `tf.oneHot`'s wasm
 * kernel ignores its dtype (int32 data in a float32 tensor: 1 reads back as 1.4e-45), its WebGPU
 * kernel compiles only for float32, and a bool -> float32 cast on WebGPU feeds later kernels i32.
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => {
    const classes = tf.range(0, depth, 1, 'float32');
    const column = tf.expandDims(tf.cast(indices, 'float32'), -1);
    return tf.relu(tf.sub(1, tf.abs(tf.sub(column, classes)))) as tf.Tensor2D;
  });
}

/**
 * `yTrue` as float one-hot maps of `yPred`'s shape. Class indices outside `[0, C)` give all-zero
 * rows (TF.js `oneHot`); run {@link checkClassLabels} in the data pipeline to reject them.
 */
export function toOneHot(yTrue: tf.Tensor, yPred: tf.Tensor, what: string): tf.Tensor {
  return tf.tidy(() => {
    if (!isClassIndexTarget(yTrue, yPred, what)) return tf.cast(yTrue, 'float32');
    const numClasses = yPred.shape[yPred.shape.length - 1]!;
    // One channel (sigmoid output): the index map is the binary map itself.
    if (numClasses === 1) return tf.reshape(tf.cast(yTrue, 'float32'), yPred.shape);
    const flat = tf.reshape(tf.cast(yTrue, 'int32'), [-1]) as tf.Tensor1D;
    return tf.reshape(oneHotFloat(flat, numClasses), yPred.shape);
  });
}

/**
 * Rejects class-index labels that are not integers in `[0, numClasses)` (reads the tensor back,
 * hence asynchronous). Throws a LabelValueError naming the first offending value and its index.
 */
export async function checkClassLabels(
  labels: tf.Tensor | ArrayLike<number>,
  numClasses: number,
  what = 'labels',
): Promise<void> {
  const values = labels instanceof tf.Tensor ? await labels.data() : labels;
  assertClassLabels(values, numClasses, what);
}

/** Synchronous {@link checkClassLabels} for plain arrays. */
export function assertClassLabels(values: ArrayLike<number>, numClasses: number, what = 'labels'): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < numClasses)) {
      throw new LabelValueError(
        `${what}: class labels must be integers in [0, ${numClasses}), got ${v} at flat index ${i}`,
      );
    }
  }
}

/**
 * Rejects a mask holding anything but 0 and 1 (reads the tensor back, hence asynchronous).
 * Throws a LabelValueError naming the first offending value and its index.
 */
export async function checkBinary(mask: tf.Tensor | ArrayLike<number>, what = 'mask'): Promise<void> {
  const values = mask instanceof tf.Tensor ? await mask.data() : mask;
  assertBinary(values, what);
}

/** Synchronous {@link checkBinary} for plain arrays. */
export function assertBinary(values: ArrayLike<number>, what = 'mask'): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1) {
      throw new LabelValueError(`${what}: must be binary (0 or 1), got ${v} at flat index ${i}`);
    }
  }
}

/** Throws a ShapeError unless the two shapes are equal. */
export function assertSameShape(a: tf.Tensor, b: tf.Tensor, what: string, names = ['yTrue', 'yPred']): void {
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new ShapeError(
      `${what}: ${names[0]} ${formatShape(a.shape)} and ${names[1]} ${formatShape(b.shape)} must have the same shape`,
    );
  }
}
