/**
 * The DLF's LayerNorm: @befunet/common's (eps 1e-5, fused on WebGPU) under the class name that
 * DLF models were saved with.
 */
import { LayerNorm, type LayerNormArgs } from '@befunet/common';
import { LAYER_NORM_EPSILON, layerNorm } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { withDefaultName } from './types.js';

export { LAYER_NORM_EPSILON, layerNorm };

export type DlfLayerNormArgs = LayerNormArgs;

export class DlfLayerNorm extends LayerNorm {
  static override className = 'befunet>DlfLayerNorm';

  constructor(args: DlfLayerNormArgs = {}) {
    super(withDefaultName(args, 'dlf_layer_norm'));
  }
}
tf.serialization.registerClass(DlfLayerNorm);
