/**
 * Edge ground truth derived from label masks (BEFUNET.md section 7: a morphological gradient of
 * the label map), at any resolution.
 */
import { assertDType, ConfigError, formatShape, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { oneHotFloat } from './targets.js';

export interface EdgeTargetsOptions {
  /**
   * Band width on each side of a boundary, in pixels (at the output resolution): a pixel is an edge
   * when a pixel of another class lies within the `(2 thickness + 1)^2` square around it.
   * Defaults to 1 (both pixels of every interface). The image border is not a boundary.
   */
  thickness?: number;
  /** Output `[height, width]`; the labels are resized by nearest neighbour first. Defaults to the labels' size. */
  size?: readonly [number, number];
  /**
   * Number of classes, for `perClass` output (`[B, h, w, C]`, or `C - 1` channels without
   * background). Omit for the single-channel union of all boundaries.
   */
  numClasses?: number;
  /** With `numClasses`: one channel per class. Defaults to false (one channel, the union). */
  perClass?: boolean;
  /** With `perClass`: keep the background channel. Defaults to false. */
  includeBackground?: boolean;
}

function resolve(labels: tf.Tensor, options: EdgeTargetsOptions) {
  const thickness = options.thickness ?? 1;
  if (!Number.isInteger(thickness) || thickness < 1) {
    throw new ConfigError(`edgeTargets: thickness must be an integer >= 1, got ${thickness}`);
  }
  const r = labels.shape.length;
  if (!(r === 3 || (r === 4 && labels.shape[3] === 1))) {
    throw new ShapeError(
      `edgeTargets: labels must be [B,H,W] or [B,H,W,1], got ${formatShape(labels.shape)}`,
    );
  }
  assertDType(labels, ['int32', 'float32'], 'edgeTargets: labels');
  const size = options.size ?? [labels.shape[1]!, labels.shape[2]!];
  if (size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(`edgeTargets: size must be two positive integers, got ${formatShape(size)}`);
  }
  const perClass = options.perClass ?? false;
  const numClasses = options.numClasses;
  if (perClass && !(Number.isInteger(numClasses) && numClasses! >= 1)) {
    throw new ConfigError(`edgeTargets: perClass needs numClasses (an integer >= 1), got ${numClasses}`);
  }
  return {
    thickness,
    size,
    perClass,
    numClasses: numClasses ?? 0,
    includeBackground: options.includeBackground ?? false,
  };
}

/**
 * Binary edge maps (float32, 0/1) of a label map: `[B, h, w, 1]` (union of all class boundaries),
 * or `[B, h, w, C']` with `perClass` (class c's band: pixels within `thickness` of the boundary of
 * class c's mask, on both sides). `labels`: class indices `[B, H, W]` or `[B, H, W, 1]`.
 */
export function edgeTargets(labels: tf.Tensor, options: EdgeTargetsOptions = {}): tf.Tensor4D {
  const o = resolve(labels, options);
  const k = 2 * o.thickness + 1;
  return tf.tidy(() => {
    const [b, h, w] = labels.shape as number[];
    let l = tf.reshape(tf.cast(labels, 'float32'), [b!, h!, w!, 1]) as tf.Tensor4D;
    if (o.size[0] !== h || o.size[1] !== w) {
      l = tf.image.resizeNearestNeighbor(l, [o.size[0], o.size[1]], false, true);
    }
    if (!o.perClass) {
      // Morphological gradient of the label map: max != min over the window.
      const hi = tf.maxPool(l, k, 1, 'same');
      const lo = tf.neg(tf.maxPool(tf.neg(l), k, 1, 'same'));
      return tf.cast(tf.notEqual(hi, lo), 'float32') as tf.Tensor4D;
    }
    const flat = tf.reshape(tf.cast(l, 'int32'), [-1]) as tf.Tensor1D;
    let m = tf.reshape(oneHotFloat(flat, o.numClasses), [b!, o.size[0], o.size[1], o.numClasses]);
    if (!o.includeBackground && o.numClasses > 1) m = tf.slice(m, [0, 0, 0, 1], [-1, -1, -1, -1]);
    const m4 = m as tf.Tensor4D;
    const dilated = tf.maxPool(m4, k, 1, 'same');
    const eroded = tf.sub(1, tf.maxPool(tf.sub(1, m4) as tf.Tensor4D, k, 1, 'same'));
    return tf.sub(dilated, eroded) as tf.Tensor4D;
  });
}
