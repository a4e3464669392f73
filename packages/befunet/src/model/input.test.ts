import { DTypeError, InvalidValueError, ShapeError } from '@befunet/common';
import { expectClose, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { segment } from '../inference/segment.js';
import { createBefunet } from './befunet.js';
import { befunetConfig } from './config.js';
import { prepareImages } from './input.js';

const SMALL = befunetConfig('official', {
  imageSize: 32,
  numClasses: 2,
  edgeChannels: 4,
  swin: { embedDim: 8, depths: [1, 1, 1, 1], numHeads: [1, 1, 1, 1], windowSize: 1 },
  decoder: { width: 8, predChannels: 4, groups: 4 },
});

describe('prepareImages and segment', () => {
  it('repeats a grey channel to RGB and adds a missing batch axis', async () => {
    const grey = tf.tensor3d(
      Float32Array.from({ length: 4 }, (_, i) => i),
      [2, 2, 1],
    );
    const rgb = prepareImages(grey, 2);
    expect(rgb.shape).toEqual([1, 2, 2, 3]);
    await expectClose(rgb, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], TOLERANCE.exact, 'grey to RGB');
  });

  it('names every problem with the input', () => {
    const cases: [tf.Tensor, new (message: string) => Error, RegExp][] = [
      [tf.zeros([2, 2]), ShapeError, /images must be \[B, H, W, C\] or \[H, W, C\], got \[2,2\]/],
      [tf.zeros([1, 32, 32, 3], 'int32'), DTypeError, /images must have dtype float32, got int32/],
      [tf.zeros([1, 32, 32, 2]), ShapeError, /1 \(grey\) or 3 channels/],
      [tf.zeros([0, 32, 32, 3]), ShapeError, /empty batch/],
      [tf.zeros([1, 30, 32, 3]), ShapeError, /must be 32x32 \(the model's input size\), got 30x32/],
    ];
    for (const [x, type, message] of cases) {
      expect(() => prepareImages(x, 32)).toThrow(type);
      expect(() => prepareImages(x, 32)).toThrow(message);
    }
  });

  it('reports NaN and infinite inputs instead of propagating them, and segments finite ones', async () => {
    const model = createBefunet(SMALL);
    const bad = tf.tidy(() => tf.concat([tf.fill([1, 1, 32, 3], Number.NaN), tf.zeros([1, 31, 32, 3])], 1));
    await expect(segment(model, bad)).rejects.toThrow(InvalidValueError);
    await expect(segment(model, tf.fill([1, 32, 32, 1], Number.POSITIVE_INFINITY))).rejects.toThrow(
      /NaN or infinite/,
    );
    const logits = await segment(model, tf.zeros([32, 32, 1]));
    expect(logits.shape).toEqual([1, 32, 32, 2]);
    model.dispose();
  });
});
