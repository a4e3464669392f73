import { ConfigError, DTypeError, ShapeError } from '@befunet/common';
import { expectClose, expectNoLeak } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test/finite-differences.js';
import { edgeTargets } from './edge-targets.js';

/** Naive: pixel is an edge when a label in its (2r+1)^2 window (clipped to the image) differs. */
function naiveUnion(labels: number[], h: number, w: number, r: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let edge = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && labels[yy * w + xx] !== labels[y * w + x]) edge = 1;
        }
      }
      out.push(edge);
    }
  }
  return out;
}

/** Naive per-class band: class-c mask differs somewhere in the clipped window. Layout [H, W, C']. */
function naivePerClass(labels: number[], h: number, w: number, r: number, classes: number[]): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (const c of classes) {
        const self = labels[y * w + x] === c;
        let edge = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w && (labels[yy * w + xx] === c) !== self) edge = 1;
          }
        }
        out.push(edge);
      }
    }
  }
  return out;
}

describe('edgeTargets', () => {
  const rand = seededRandom(4);
  const [H, W] = [7, 9];
  // Blocky labels (3 classes) so that there are interiors and boundaries.
  const labels = Array.from({ length: H * W }, (_, i) => {
    const y = Math.floor(i / W);
    const x = i % W;
    return (Math.floor(y / 3) + Math.floor(x / 4) + (rand() < 0.05 ? 1 : 0)) % 3;
  });

  it('union of class boundaries matches the naive window test, thickness 1 and 2', async () => {
    const l = tf.tensor(labels, [1, H, W], 'int32');
    for (const thickness of [1, 2]) {
      const e = edgeTargets(l, { thickness });
      expect(e.shape).toEqual([1, H, W, 1]);
      await expectClose(
        e,
        naiveUnion(labels, H, W, thickness),
        { atol: 0, rtol: 0 },
        `thickness ${thickness}`,
      );
    }
    l.dispose();
  });

  it('per-class boundaries, with and without background', async () => {
    const l = tf.tensor(labels, [1, H, W, 1], 'float32');
    const withBg = edgeTargets(l, { numClasses: 3, perClass: true, includeBackground: true });
    expect(withBg.shape).toEqual([1, H, W, 3]);
    await expectClose(
      withBg,
      naivePerClass(labels, H, W, 1, [0, 1, 2]),
      { atol: 0, rtol: 0 },
      'with background',
    );
    const noBg = edgeTargets(l, { numClasses: 3, perClass: true, thickness: 2 });
    await expectClose(noBg, naivePerClass(labels, H, W, 2, [1, 2]), { atol: 0, rtol: 0 }, 'no background');
    l.dispose();
  });

  it('any resolution: nearest-neighbour resized labels, then boundaries', async () => {
    // 4x4 labels with a 2x2 square of class 1 in the lower-right corner, at 8x8 and 2x2.
    const small = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1];
    const l = tf.tensor(small, [1, 4, 4], 'int32');
    const big = Array.from(
      { length: 64 },
      (_, i) => small[Math.floor(Math.floor(i / 8) / 2) * 4 + Math.floor((i % 8) / 2)]!,
    );
    await expectClose(
      edgeTargets(l, { size: [8, 8] }),
      naiveUnion(big, 8, 8, 1),
      { atol: 0, rtol: 0 },
      '8x8',
    );
    const e2 = edgeTargets(l, { size: [2, 2] });
    expect(e2.shape).toEqual([1, 2, 2, 1]);
    l.dispose();
  });

  it('does not leak tensors', async () => {
    const l = tf.tensor(labels, [1, H, W], 'int32');
    await expectNoLeak(() => edgeTargets(l, { numClasses: 3, perClass: true, size: [5, 5] }));
    l.dispose();
  });

  it('rejects bad input with typed errors', () => {
    const l = tf.zeros([1, 4, 4], 'int32');
    expect(() => edgeTargets(tf.zeros([4, 4]))).toThrow(ShapeError);
    expect(() => edgeTargets(tf.zeros([1, 4, 4, 2]))).toThrow(ShapeError);
    expect(() => edgeTargets(tf.zeros([1, 4, 4], 'bool'))).toThrow(DTypeError);
    expect(() => edgeTargets(l, { thickness: 0 })).toThrow(ConfigError);
    expect(() => edgeTargets(l, { perClass: true })).toThrow(/perClass needs numClasses/);
    expect(() => edgeTargets(l, { size: [0, 3] })).toThrow(ConfigError);
    l.dispose();
  });
});
