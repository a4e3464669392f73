/**
 * Checking and preparing images for a BEFUnet: NHWC float32 [B, S, S, 3], where a single grey
 * channel is repeated to 3 (as the official code does with CT slices). Every problem is a typed
 * error that names it, before any kernel runs; NaN and Inf are found by reading one flag back.
 */
import { assertDType, DTypeError, formatShape, InvalidValueError, ShapeError } from '@befunet/common';
import { readBack } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';

/** Checks the shape and dtype of `images` for a model of input size `imageSize`; returns them as [B, S, S, 3]. */
export function prepareImages(images: tf.Tensor, imageSize: number): tf.Tensor4D {
  if (!(images instanceof tf.Tensor)) {
    throw new DTypeError(`images must be a tf.Tensor, got ${images === null ? 'null' : typeof images}`);
  }
  if (images.isDisposed) throw new InvalidValueError('images is a disposed tensor');
  const shape = images.shape;
  if (shape.length !== 3 && shape.length !== 4) {
    throw new ShapeError(`images must be [B, H, W, C] or [H, W, C], got ${formatShape(shape)}`);
  }
  assertDType(images, ['float32'], 'images');
  const batched = (shape.length === 3 ? [1, ...shape] : shape) as [number, number, number, number];
  const [b, h, w, c] = batched;
  if (b === 0) throw new ShapeError('images is an empty batch');
  if (c !== 1 && c !== 3)
    throw new ShapeError(`images must have 1 (grey) or 3 channels, got ${formatShape(shape)}`);
  if (h !== imageSize || w !== imageSize) {
    throw new ShapeError(
      `images must be ${imageSize}x${imageSize} (the model's input size), got ${h}x${w}; resize them, or build the model with imageSize ${h === w ? h : '(a square size)'}`,
    );
  }
  return tf.tidy(() => {
    const x = tf.reshape(images, batched) as tf.Tensor4D;
    return c === 1 ? tf.tile(x, [1, 1, 1, 3]) : x;
  });
}

/** Throws an InvalidValueError when `x` holds NaN or an infinity (one boolean is read back). */
export async function assertFinite(x: tf.Tensor, what: string): Promise<void> {
  const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(x))));
  let flag: number | undefined;
  try {
    [flag] = await readBack(what, () => bad.data());
  } finally {
    bad.dispose();
  }
  if (flag) throw new InvalidValueError(`${what} contain NaN or infinite values`);
}
