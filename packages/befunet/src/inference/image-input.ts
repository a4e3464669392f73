/**
 * Images given to inference: checked before any kernel runs, each problem a typed error that names
 * the image. Plain images are row-major HWC (as `decodeImage` and `sliceAxial` give them); tensors
 * are [H, W, C] or [N, H, W, C] float32, any H and W, 1 (grey) or 3 (RGB) channels.
 */
import { assertDType, formatShape, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { assertFinite } from '../model/input.js';

/** An image as plain values: `data[(y * width + x) * channels + c]`. */
export interface ImageInput {
  readonly data: ArrayLike<number>;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function checkChannels(channels: number, what: string): void {
  if (channels !== 1 && channels !== 3) {
    const hint = channels === 2 || channels === 4 ? ' (drop the alpha channel)' : '';
    throw new ShapeError(`${what} has ${channels} channels; a BEFUnet takes 1 (grey) or 3 (RGB)${hint}`);
  }
}

function checkSize(height: number, width: number, what: string): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new ShapeError(`${what} has size ${height}x${width}; height and width must be integers`);
  }
  if (height === 0 || width === 0) throw new ShapeError(`${what} is empty (${height}x${width} pixels)`);
}

/** A checked plain image as a float32 tensor [H, W, C]; the caller owns it. */
export function imageTensor(image: ImageInput, what = 'image'): tf.Tensor3D {
  const { data, height, width, channels } = image;
  checkSize(height, width, what);
  checkChannels(channels, what);
  if (data.length !== height * width * channels) {
    throw new ShapeError(
      `${what} has ${data.length} values, ${height}x${width}x${channels} needs ${height * width * channels}`,
    );
  }
  return tf.tensor3d(Float32Array.from(data), [height, width, channels]);
}

/**
 * Checks images [H, W, C] or [N, H, W, C] (rank, dtype, size, channels, finite values, the last
 * with one flag read back) and returns them as [N, H, W, C]: `images` itself when already 4-D.
 */
export async function checkImageTensor(images: tf.Tensor, what = 'images'): Promise<tf.Tensor4D> {
  const shape = images.shape;
  if (shape.length !== 3 && shape.length !== 4) {
    throw new ShapeError(`${what} must be [H, W, C] or [N, H, W, C], got ${formatShape(shape)}`);
  }
  assertDType(images, ['float32'], what);
  const [n, h, w, c] = (shape.length === 3 ? [1, ...shape] : shape) as [number, number, number, number];
  if (n === 0) throw new ShapeError(`${what} is an empty batch`);
  checkSize(h, w, what);
  checkChannels(c, what);
  await assertFinite(images, `the pixels of ${what}`);
  return shape.length === 4 ? (images as tf.Tensor4D) : tf.reshape(images, [n, h, w, c]);
}

/** `result` [N, ...] as given back for input of rank `rank`: without the batch axis for a single [H, W, C] image. */
export function withInputRank<T extends tf.Tensor>(result: T, rank: number): T {
  if (rank !== 3) return result;
  const out = tf.squeeze(result, [0]) as T;
  result.dispose();
  return out;
}
