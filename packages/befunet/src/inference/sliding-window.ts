/**
 * Sliding-window inference over images of any size H x W with a model of square input S
 * (nnU-Net's scheme): images smaller than S are zero-padded (centred) to at least S, S x S tiles
 * start at `tileStarts` along each axis (the last flush with the border), are predicted in batches,
 * and their probabilities (or logits) are summed weighted by the Gaussian importance map and divided
 * by the summed weights; the padding is then cropped away. The sums run in float32 on the CPU, where
 * each tile adds only its own S x S pixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../model/befunet.js';
import { gaussianImportanceMap } from './gaussian-importance.js';
import { checkImageTensor, withInputRank } from './image-input.js';
import { type InferenceOptions, resolveInferenceOptions } from './inference-options.js';
import { logitsToProbabilities } from './probabilities.js';
import { segment } from './segment.js';
import { tileStarts } from './tile-grid.js';

interface Tile {
  image: number;
  y: number;
  x: number;
}

/**
 * Class probabilities [H, W, K] of an image [H, W, C] (or [N, H, W, K] of images [N, H, W, C]),
 * C = 1 or 3, any H and W; K = 2 for a single-logit model. The caller owns the result.
 */
export async function slidingWindow(
  model: tfl.LayersModel,
  images: tf.Tensor3D,
  options?: InferenceOptions,
): Promise<tf.Tensor3D>;
export async function slidingWindow(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  options?: InferenceOptions,
): Promise<tf.Tensor4D>;
export async function slidingWindow(
  model: tfl.LayersModel,
  images: tf.Tensor,
  options: InferenceOptions = {},
): Promise<tf.Tensor> {
  const { overlap, batchSize, blend, replay } = resolveInferenceOptions(options);
  const s = befunetConfigOf(model).imageSize;
  const x = await checkImageTensor(images);
  const [n, h, w, c] = x.shape;
  const [ph, pw] = [Math.max(h, s), Math.max(w, s)];
  const [top, left] = [Math.floor((ph - h) / 2), Math.floor((pw - w) / 2)];
  const padded = tf.pad(x, [
    [0, 0],
    [top, ph - h - top],
    [left, pw - w - left],
    [0, 0],
  ]);
  if (x !== images) x.dispose();
  const ys = tileStarts(ph, s, overlap);
  const xs = tileStarts(pw, s, overlap);
  const tiles: Tile[] = [];
  for (let image = 0; image < n; image++)
    for (const y of ys) for (const x0 of xs) tiles.push({ image, y, x: x0 });
  const importance = gaussianImportanceMap(s);
  let k = 0;
  let sums = new Float32Array(0);
  try {
    for (let b = 0; b < tiles.length; b += batchSize) {
      const batch = tiles.slice(b, b + batchSize);
      const crops = tf.tidy(() =>
        tf.concat(batch.map((t) => tf.slice(padded, [t.image, t.y, t.x, 0], [1, s, s, c]))),
      );
      const logits = await segment(model, crops, { replay }).finally(() => crops.dispose());
      const values = blend === 'logits' ? logits : logitsToProbabilities(logits);
      const data = (await values.data()) as Float32Array;
      tf.dispose([logits, values]);
      if (k === 0) {
        k = values.shape[3];
        sums = new Float32Array(n * ph * pw * k);
      }
      batch.forEach((t, i) => {
        addWeightedTile(sums, data.subarray(i * s * s * k, (i + 1) * s * s * k), importance, t, {
          s,
          k,
          ph,
          pw,
        });
      });
    }
  } finally {
    padded.dispose();
  }
  // The summed weights: the same sum over the tiles of one image, of tiles of ones.
  const weights = new Float32Array(ph * pw);
  const ones = new Float32Array(s * s).fill(1);
  for (const t of tiles.filter((t) => t.image === 0)) {
    addWeightedTile(weights, ones, importance, t, { s, k: 1, ph, pw });
  }
  for (let i = 0; i < sums.length; i++) sums[i]! /= weights[Math.floor(i / k) % (ph * pw)]!;
  const out = tf.tidy(() => {
    const averaged = tf.slice(tf.tensor4d(sums, [n, ph, pw, k]), [0, top, left, 0], [n, h, w, k]);
    return blend === 'logits' ? logitsToProbabilities(averaged) : averaged;
  });
  return withInputRank(out, images.rank);
}

/** sums[image, t.y + i, t.x + j, :] += importance[i, j] * tile[i, j, :]. */
function addWeightedTile(
  sums: Float32Array,
  tile: Float32Array,
  importance: Float32Array,
  t: Tile,
  { s, k, ph, pw }: { s: number; k: number; ph: number; pw: number },
): void {
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const g = importance[i * s + j]!;
      const from = (i * s + j) * k;
      const to = ((t.image * ph + t.y + i) * pw + t.x + j) * k;
      for (let q = 0; q < k; q++) sums[to + q]! += g * tile[from + q]!;
    }
  }
}
