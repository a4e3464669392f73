/**
 * Evaluation of a model on a data set as the field reports it: per image, Dice and HD95 (and IoU,
 * sensitivity, specificity, accuracy) of every class, then per-class means over images and their
 * mean over classes (`SegmentationMetrics` of @befunet/losses). Used by the trainer's validation
 * and by the CLI's `eval` command.
 */
import { ConfigError } from '@befunet/common';
import { type AggregatedMetrics, SegmentationMetrics } from '@befunet/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { stackSamples } from '../data/batches.js';
import type { SegmentationDataset } from '../data/dataset.js';
import { segment } from '../inference/segment.js';
import { befunetConfigOf } from '../model/befunet.js';

export interface EvaluateOptions {
  /** Images per forward pass. Defaults to 4. */
  batchSize?: number;
  /** Compute HD95 (the costly metric). Defaults to true. */
  hd95?: boolean;
  /** Report the background class too. Defaults to false. */
  includeBackground?: boolean;
  /** Pixel size for HD95 (one number or per axis). Defaults to 1 (pixels). */
  spacing?: number | readonly number[];
  /** Called after each batch with the number of images done. */
  onBatch?: (done: number, total: number) => void;
}

/** Metrics of `model` on every sample of `dataset`, in order. */
export async function evaluate(
  model: tfl.LayersModel,
  dataset: SegmentationDataset,
  options: EvaluateOptions = {},
): Promise<AggregatedMetrics> {
  const { numClasses } = befunetConfigOf(model);
  const batchSize = options.batchSize ?? 4;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new ConfigError(`evaluate: batchSize must be an integer >= 1, got ${batchSize}`);
  }
  if (dataset.numClasses !== numClasses) {
    throw new ConfigError(
      `evaluate: data set '${dataset.name}' has ${dataset.numClasses} classes, the model ${numClasses}`,
    );
  }
  if (dataset.length < 1) throw new ConfigError(`evaluate: data set '${dataset.name}' is empty`);
  const metrics = new SegmentationMetrics({
    numClasses,
    hd95: options.hd95 ?? true,
    includeBackground: options.includeBackground ?? false,
    ...(options.spacing !== undefined && { spacing: options.spacing }),
  });
  for (let first = 0; first < dataset.length; first += batchSize) {
    const count = Math.min(batchSize, dataset.length - first);
    const samples = await Promise.all(Array.from({ length: count }, (_, i) => dataset.get(first + i)));
    const { images, labels } = stackSamples(samples);
    labels.dispose();
    let predicted: tf.Tensor;
    try {
      const logits = await segment(model, images);
      predicted = tf.argMax(logits, -1);
      logits.dispose();
    } finally {
      images.dispose();
    }
    const pred = await predicted.data();
    predicted.dispose();
    samples.forEach((s, i) => {
      const n = s.height * s.width;
      metrics.update(pred.subarray(i * n, (i + 1) * n), s.label, [s.height, s.width]);
    });
    options.onBatch?.(first + count, dataset.length);
  }
  return metrics.aggregate();
}
