/**
 * One picture through a BEFUnet: resized to the model's input size (plain JavaScript, see
 * resize.ts), segmented by @befunet/core's `segment`, reduced to a label map by argmax over the
 * classes. The page and the Node.js reference of the end-to-end test both call this.
 */
import { befunetConfigOf, segment } from '@befunet/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Picture } from './picture.js';
import { resizeBilinear } from './resize.js';

export interface Segmentation {
  /** Class index per pixel, row-major [size, size]. */
  labels: Int32Array;
  /** Logits, row-major [size, size, numClasses]. */
  logits: Float32Array;
  /** The model's input size (the label map's side). */
  size: number;
  numClasses: number;
  /** Milliseconds from the input tensor to the label map read back. */
  ms: number;
}

/** The picture resized to the model's input size, as the [1, S, S, C] tensor the model takes. */
export function modelInput(picture: Picture, size: number): tf.Tensor4D {
  const { data, width, height, channels } = picture;
  const resized =
    width === size && height === size ? data : resizeBilinear(data, [height, width, channels], [size, size]);
  return tf.tensor4d(resized, [1, size, size, channels]);
}

export async function segmentPicture(model: tfl.LayersModel, picture: Picture): Promise<Segmentation> {
  const { imageSize: size, numClasses } = befunetConfigOf(model);
  const x = modelInput(picture, size);
  const start = performance.now();
  const logits = await segment(model, x);
  const argmax = tf.argMax(logits, -1);
  const [labels, values] = await Promise.all([argmax.data(), logits.data()]);
  const ms = performance.now() - start;
  tf.dispose([x, logits, argmax]);
  return { labels: labels as Int32Array, logits: values as Float32Array, size, numClasses, ms };
}
