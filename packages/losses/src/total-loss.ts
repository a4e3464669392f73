/**
 * The BEFUnet training objective of BEFUNET.md section 7: `L = L_body + gamma L_edge`.
 */
import { ConfigError, formatShape, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { type BodyLossOptions, bodyLoss } from './body-loss.js';
import { type EdgeLossOptions, edgeLoss } from './edge-loss.js';
import { type EdgeTargetsOptions, edgeTargets } from './edge-targets.js';

export interface TotalLossOptions {
  /** Weight of the edge loss. Defaults to 1. */
  gamma?: number;
  /** Options of the body loss. */
  body?: BodyLossOptions;
  /** Options of the edge loss (eq. 14); `sigmoid` defaults to true here (edge maps as logits). */
  edge?: EdgeLossOptions;
  /** How the edge target is derived from the labels when none is given (`size` is the labels'). */
  edgeTargets?: Omit<EdgeTargetsOptions, 'size' | 'perClass'>;
}

export interface TotalLossInputs {
  /** Segmentation target: class indices `[B, H, W]` / `[B, H, W, 1]`, one-hot, or a binary map. */
  labels: tf.Tensor;
  /** Segmentation logits `[B, H, W, C]`. */
  logits: tf.Tensor;
  /**
   * Edge maps `[B, h_j, w_j, 1]` (logits unless `edge.sigmoid` is false), at any resolution: maps
   * smaller than the edge target are upsampled bilinearly to it first, as PiDiNet does.
   */
  edgeMaps: tf.Tensor | readonly tf.Tensor[];
  /** Soft edge target `[B, H, W, 1]`. Defaults to `edgeTargets(labels)` (needs class-index labels). */
  edgeTarget?: tf.Tensor;
}

/** `bodyLoss(labels, logits) + gamma * edgeLoss(edgeTarget, edgeMaps)` as a scalar. */
export function totalLoss(inputs: TotalLossInputs, options: TotalLossOptions = {}): tf.Tensor {
  const gamma = options.gamma ?? 1;
  if (!(gamma >= 0)) throw new ConfigError(`totalLoss: gamma must be >= 0, got ${gamma}`);
  const maps = Array.isArray(inputs.edgeMaps)
    ? (inputs.edgeMaps as readonly tf.Tensor[])
    : [inputs.edgeMaps as tf.Tensor];
  return tf.tidy(() => {
    const target = inputs.edgeTarget ?? edgeTargets(inputs.labels, options.edgeTargets ?? {});
    if (target.shape.length !== 4) {
      throw new ShapeError(`totalLoss: edgeTarget must be [B,H,W,1], got ${formatShape(target.shape)}`);
    }
    const [, h, w] = target.shape as number[];
    const resized = maps.map((m, j) => {
      if (m.shape.length !== 4) {
        throw new ShapeError(`totalLoss: edgeMaps[${j}] must be [B,h,w,1], got ${formatShape(m.shape)}`);
      }
      return m.shape[1] === h && m.shape[2] === w
        ? m
        : tf.image.resizeBilinear(m as tf.Tensor4D, [h!, w!], false, true);
    });
    const body = bodyLoss(inputs.labels, inputs.logits, options.body ?? {});
    const edge = edgeLoss(target, resized, { sigmoid: true, ...options.edge });
    return tf.add(body, tf.mul(gamma, edge));
  });
}
