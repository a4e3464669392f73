import * as tf from '@tensorflow/tfjs-core';

/**
 * Bilinear upsampling by an integer factor, equal to PyTorch's
 * `nn.Upsample(scale_factor, mode='bilinear', align_corners=False)` (half-pixel centres).
 */
export function upsampleBilinear(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.image.resizeBilinear(x, [h * factor, w * factor], false, true);
}
