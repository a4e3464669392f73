import { ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LabelValueError } from './errors.js';
import { assertBinary, assertClassLabels, checkBinary, checkClassLabels, toOneHot } from './targets.js';

describe('targets', () => {
  it('checkClassLabels accepts integers in range and rejects others, naming value and index', async () => {
    await expect(checkClassLabels(tf.tensor([0, 2, 1], [3], 'int32'), 3)).resolves.toBeUndefined();
    await expect(checkClassLabels(tf.tensor([0, 3, 1], [3], 'int32'), 3)).rejects.toThrow(LabelValueError);
    await expect(checkClassLabels(tf.tensor([0, 1, -1], [3], 'int32'), 3)).rejects.toThrow(
      /integers in \[0, 3\), got -1 at flat index 2/,
    );
    await expect(checkClassLabels(tf.tensor([0, 1.5]), 3)).rejects.toThrow(LabelValueError);
    expect(() => assertClassLabels([9], 9, 'truth')).toThrow(/truth: class labels/);
  });

  it('checkBinary rejects soft or out-of-range values', async () => {
    await expect(checkBinary(tf.tensor([0, 1, 1, 0]))).resolves.toBeUndefined();
    await expect(checkBinary(tf.tensor([0, 0.5]), 'edge target')).rejects.toThrow(
      /edge target: must be binary \(0 or 1\), got 0.5 at flat index 1/,
    );
    expect(() => assertBinary([0, 2])).toThrow(LabelValueError);
  });

  it('LabelValueError is a BefunetError', () => {
    expect(LabelValueError.isInstance(new LabelValueError('x'))).toBe(true);
  });

  it('toOneHot: class indices [B,H,W] or [B,H,W,1], one-hot passthrough, shape errors', async () => {
    const pred = tf.zeros([1, 1, 2, 3]);
    const a = toOneHot(tf.tensor([2, 0], [1, 1, 2], 'int32'), pred, 't');
    expect(Array.from(await a.data())).toEqual([0, 0, 1, 1, 0, 0]);
    const b = toOneHot(tf.tensor([2, 0], [1, 1, 2, 1], 'int32'), pred, 't');
    expect(Array.from(await b.data())).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => toOneHot(tf.zeros([1, 2, 1]), pred, 'myLoss')).toThrow(ShapeError);
    expect(() => toOneHot(tf.zeros([1, 2, 1]), pred, 'myLoss')).toThrow(
      /myLoss: target must be class indices/,
    );
    tf.dispose([pred, a, b]);
  });
});
