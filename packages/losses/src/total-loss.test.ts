import { ConfigError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectGradientMatchesFiniteDifferences, seededRandom, uniform } from '../test/finite-differences.js';
import { bodyLoss } from './body-loss.js';
import { edgeLoss } from './edge-loss.js';
import { edgeTargets } from './edge-targets.js';
import { totalLoss } from './total-loss.js';

describe('totalLoss = L_body + gamma L_edge', () => {
  const rand = seededRandom(9);
  const labels = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2];

  it('is bodyLoss + gamma * edgeLoss with the derived edge target', async () => {
    const l = tf.tensor(labels, [1, 4, 4], 'int32');
    const logits = tf.tensor(uniform(rand, 48, -2, 2), [1, 4, 4, 3]);
    const edge = tf.tensor(uniform(rand, 16, -2, 2), [1, 4, 4, 1]);
    const [body] = await bodyLoss(l, logits).data();
    const [e] = await edgeLoss(edgeTargets(l), edge, { sigmoid: true }).data();
    await expectClose(totalLoss({ labels: l, logits, edgeMaps: edge }, { gamma: 0.3 }), [body! + 0.3 * e!], {
      atol: 1e-5,
      rtol: 1e-5,
    });
    tf.dispose([l, logits, edge]);
  });

  it('upsamples smaller edge maps (bilinear, half-pixel) to the edge target', async () => {
    const l = tf.tensor(labels, [1, 4, 4], 'int32');
    const logits = tf.tensor(uniform(rand, 48, -2, 2), [1, 4, 4, 3]);
    const full = tf.tensor(uniform(rand, 16, -2, 2), [1, 4, 4, 1]);
    const half = tf.tensor(uniform(rand, 4, -2, 2), [1, 2, 2, 1]);
    const target = edgeTargets(l);
    const [body] = await bodyLoss(l, logits).data();
    const up = tf.image.resizeBilinear(half as tf.Tensor4D, [4, 4], false, true);
    const [e] = await edgeLoss(target, [full, up], { sigmoid: true }).data();
    await expectClose(
      totalLoss({ labels: l, logits, edgeMaps: [full, half], edgeTarget: target }),
      [body! + e!],
      { atol: 1e-5, rtol: 1e-5 },
    );
    tf.dispose([l, logits, full, half, target, up]);
  });

  it('gradient w.r.t. the segmentation and edge logits matches finite differences', async () => {
    // Class 0 except a 1 and a 2 in the bottom row: edges near them, non-edges at the top.
    const l = tf.tensor([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2], [1, 3, 4], 'int32');
    const edge = tf.tensor(uniform(rand, 12, -2, 2), [1, 3, 4, 1]);
    const logits = tf.tensor(uniform(rand, 36, -2, 2), [1, 3, 4, 3]);
    await expectGradientMatchesFiniteDifferences(
      (z) => totalLoss({ labels: l, logits: z, edgeMaps: edge }, { gamma: 0.5 }),
      uniform(rand, 36, -2, 2),
      [1, 3, 4, 3],
      'w.r.t. segmentation logits',
    );
    await expectGradientMatchesFiniteDifferences(
      (z) => totalLoss({ labels: l, logits, edgeMaps: z }, { gamma: 0.5 }),
      uniform(rand, 12, -2, 2),
      [1, 3, 4, 1],
      'w.r.t. edge logits',
    );
    tf.dispose([l, edge, logits]);
  });

  it('does not leak tensors', async () => {
    const l = tf.tensor(labels, [1, 4, 4], 'int32');
    const logits = tf.zeros([1, 4, 4, 3]);
    const half = tf.zeros([1, 2, 2, 1]);
    await expectNoLeak(() => totalLoss({ labels: l, logits, edgeMaps: [half] }));
    tf.dispose([l, logits, half]);
  });

  it('rejects bad input with typed errors', () => {
    const l = tf.zeros([1, 4, 4], 'int32');
    const logits = tf.zeros([1, 4, 4, 3]);
    expect(() => totalLoss({ labels: l, logits, edgeMaps: tf.zeros([1, 4, 4]) })).toThrow(ShapeError);
    expect(() => totalLoss({ labels: l, logits, edgeMaps: tf.zeros([1, 4, 4, 1]) }, { gamma: -1 })).toThrow(
      ConfigError,
    );
    expect(() =>
      totalLoss({ labels: l, logits, edgeMaps: tf.zeros([1, 4, 4, 1]), edgeTarget: tf.zeros([4, 4]) }),
    ).toThrow(ShapeError);
  });
});
