import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DerivedTensorCache, isInferenceCall } from './derived-tensor.js';
import './register-gradients.js';

describe('DerivedTensorCache', () => {
  it('derives once per value of its source, renews after an assignment, and frees on dispose', async () => {
    const weight = tf.variable(tf.tensor1d([1, 2, 3]));
    const cache = new DerivedTensorCache<tf.Tensor>();
    let derivations = 0;
    const derive = () => {
      derivations++;
      return tf.mul(weight, 2);
    };
    const before = tf.memory().numTensors;
    const first = cache.get(weight, derive);
    expect(cache.get(weight, derive)).toBe(first);
    expect(derivations).toBe(1);
    expect(Array.from(await first.data())).toEqual([2, 4, 6]);
    weight.assign(tf.tensor1d([5, 6, 7]));
    const second = cache.get(weight, derive);
    expect(derivations).toBe(2);
    expect(first.isDisposed).toBe(true);
    expect(Array.from(await second.data())).toEqual([10, 12, 14]);
    cache.dispose();
    expect(second.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1); // the assigned value's tensor
    weight.dispose();
  });
});

describe('isInferenceCall', () => {
  it('is false in training mode and while a gradient is being recorded', () => {
    expect(isInferenceCall({})).toBe(true);
    expect(isInferenceCall({ training: false })).toBe(true);
    expect(isInferenceCall({ training: true })).toBe(false);
    let inside: boolean | undefined;
    tf.grad((x: tf.Tensor) => {
      inside = isInferenceCall({});
      return tf.sum(x);
    })(tf.ones([2]));
    expect(inside).toBe(false);
  });
});
