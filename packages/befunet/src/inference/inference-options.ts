/**
 * Options of whole-image inference, their defaults and their checks: how images of any size are
 * brought to the model's square input, how many model inputs one forward pass takes, what is blended.
 */
import { ConfigError } from '@befunet/common';
import { validateOverlap } from './tile-grid.js';

export interface InferenceOptions {
  /**
   * 'sliding-window' (default): S x S tiles blended with a Gaussian importance map, smaller images
   * zero-padded; 'resize': the image resized to S x S (bilinear) and the probabilities resized back.
   */
  mode?: 'sliding-window' | 'resize';
  /** Fraction of a tile shared with its neighbour, in [0, 1). Default 0.5 (nnU-Net). */
  overlap?: number;
  /** Model inputs (tiles, or resized images) per forward pass. Default 4. */
  batchSize?: number;
  /**
   * What the Gaussian average runs on: 'probabilities' (default; softmax per tile) or 'logits'
   * (softmax after blending, as nnU-Net v2 does).
   */
  blend?: 'probabilities' | 'logits';
  /**
   * On WebGPU, replay the forward pass from a capture once a tile batch shape has been seen (the
   * same values, without TF.js's CPU cost per kernel launch; see `replayedPredictor`). Default true.
   */
  replay?: boolean;
}

export type ResolvedInferenceOptions = Required<InferenceOptions>;

/** The options with their defaults, checked; a ConfigError names a bad one. */
export function resolveInferenceOptions(options: InferenceOptions = {}): ResolvedInferenceOptions {
  const resolved: ResolvedInferenceOptions = {
    mode: options.mode ?? 'sliding-window',
    overlap: options.overlap ?? 0.5,
    batchSize: options.batchSize ?? 4,
    blend: options.blend ?? 'probabilities',
    replay: options.replay ?? true,
  };
  if (resolved.mode !== 'sliding-window' && resolved.mode !== 'resize') {
    throw new ConfigError(`mode must be 'sliding-window' or 'resize', got '${resolved.mode}'`);
  }
  validateOverlap(resolved.overlap);
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1) {
    throw new ConfigError(`batchSize must be a positive integer, got ${resolved.batchSize}`);
  }
  if (resolved.blend !== 'probabilities' && resolved.blend !== 'logits') {
    throw new ConfigError(`blend must be 'probabilities' or 'logits', got '${resolved.blend}'`);
  }
  return resolved;
}
