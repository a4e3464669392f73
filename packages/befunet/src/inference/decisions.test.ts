import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectError, TOLERANCE } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { softmax } from './__fixtures__/reference-models.js';
import { decideLabels } from './decisions.js';
import { logitsToProbabilities } from './probabilities.js';

describe('decideLabels', () => {
  it('takes the most probable of K > 2 classes', async () => {
    const p = tf.tensor3d([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.25, 0.25, 0.5], [2, 2, 3]);
    const labels = decideLabels(p);
    expect(labels.shape).toEqual([2, 2]);
    expect(Array.from(await labels.data())).toEqual([0, 2, 1, 2]);
    tf.dispose([p, labels]);
  });

  it('thresholds the foreground probability of a binary task', async () => {
    const fg = [0.2, 0.5, 0.51, 0.9];
    const p = tf.tensor2d(
      fg.flatMap((f) => [1 - f, f]),
      [4, 2],
    );
    const cases: [number | undefined, number[]][] = [
      [undefined, [0, 0, 1, 1]],
      [0.3, [0, 1, 1, 1]],
      [0.9, [0, 0, 0, 0]],
      [0, [1, 1, 1, 1]],
    ];
    for (const [threshold, expected] of cases) {
      const labels = decideLabels(p, threshold === undefined ? {} : { threshold });
      expect(Array.from(await labels.data()), `threshold ${threshold}`).toEqual(expected);
      labels.dispose();
    }
    p.dispose();
  });

  it('rejects thresholds outside [0, 1] and fewer than 2 classes', () => {
    const p = tf.zeros([2, 2]);
    for (const threshold of [-0.1, 1.5, Number.NaN]) {
      expectError(() => decideLabels(p, { threshold }), ConfigError, /threshold must be in \[0, 1\]/);
    }
    expectError(() => decideLabels(tf.zeros([2, 1])), ShapeError, /K >= 2 classes, got shape \[2,1\]/);
    p.dispose();
  });
});

describe('logitsToProbabilities', () => {
  it('is the softmax over K classes, and [1 - sigmoid, sigmoid] for a single logit', async () => {
    const logits = [
      [1, -2, 0.5],
      [3, 3, -1],
    ];
    const p = logitsToProbabilities(tf.tensor2d(logits));
    await expectClose(p, logits.flatMap(softmax), TOLERANCE.op, 'softmax');
    const z = [-3, 0, 0.7, 4];
    const binary = logitsToProbabilities(tf.tensor2d(z, [4, 1]));
    expect(binary.shape).toEqual([4, 2]);
    const sigmoid = z.map((v) => 1 / (1 + Math.exp(-v)));
    await expectClose(
      binary,
      sigmoid.flatMap((s) => [1 - s, s]),
      TOLERANCE.op,
      'single logit',
    );
    tf.dispose([p, binary]);
  });
});
