import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, describe, expect, it } from 'vitest';
import { weightsAfterSgdSteps } from '../../../testing/src/sgd-steps.ts';
import { closeness, TOLERANCE } from '../../../testing/src/tolerance.ts';
import { installLowMemoryGradients } from './low-memory-gradients.js';

/** A chain with a tensor used twice, a tensor used by two later ops, and a custom gradient. */
function loss(w: tf.Tensor, x: tf.Tensor): tf.Scalar {
  const h = tf.relu(tf.matMul(x, w));
  const twice = tf.mul(h, h);
  const custom = tf.customGrad((a, save) => {
    (save as (t: tf.Tensor[]) => void)([a as tf.Tensor]);
    return { value: tf.sin(a as tf.Tensor), gradFunc: (dy, [s]) => tf.mul(dy as tf.Tensor, tf.cos(s!)) };
  })(twice);
  let y = custom as tf.Tensor;
  for (let i = 0; i < 8; i++) y = tf.add(tf.tanh(y), tf.mul(y, 0.5));
  return tf.sum(tf.add(y, tf.mean(h))) as tf.Scalar;
}

const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

async function gradientsOf(f: () => tf.Tensor[]): Promise<number[][]> {
  const grads = f();
  const values = await Promise.all(grads.map(async (g) => Array.from(await g.data())));
  tf.dispose(grads);
  return values;
}

describe('installLowMemoryGradients', () => {
  const w = tf.tensor2d([0.3, -0.2, 0.5, 0.1, 0.7, -0.4], [3, 2]);
  const x = tf.tensor2d([1, 2, -1, 0.5, 0.25, 3, -2, 1, 0.1, 0.2, 0.3, 0.4], [4, 3]);

  it('gives exactly the gradients of TF.js’s own backpropagation', async () => {
    const own = await gradientsOf(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b))([w, x]));
    restore = installLowMemoryGradients();
    const ours = await gradientsOf(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b))([w, x]));
    ours.forEach((g, i) => {
      expect(closeness(g, own[i]!, TOLERANCE.exact).mismatches).toBe(0);
    });
  });

  it('holds fewer tensor bytes at its peak, and leaks none', async () => {
    const big = tf.randomNormal([64, 256], 0, 1, 'float32', 3);
    const wide = tf.randomNormal([256, 256], 0, 0.05, 'float32', 4);
    const step = () => {
      const [g] = tf.grads((a: tf.Tensor) => loss(a, big))([wide]);
      g!.dispose();
    };
    const ownPeak = (await tf.profile(step)).peakBytes;
    restore = installLowMemoryGradients();
    const before = tf.memory().numTensors;
    const ourPeak = (await tf.profile(step)).peakBytes;
    expect(tf.memory().numTensors).toBe(before);
    expect(ourPeak).toBeLessThan(ownPeak * 0.9);
    tf.dispose([big, wide]);
  });

  it('leaves the caller’s dy alone and still nests (second derivative of x^3 is 6x)', async () => {
    restore = installLowMemoryGradients();
    const dy = tf.scalar(2);
    const [g] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(a, 3)))([tf.tensor1d([1, 2])], dy);
    expect(Array.from(await g!.data())).toEqual([6, 6]);
    expect(dy.isDisposed).toBe(false);
    const second = tf.grad((a: tf.Tensor) => tf.grad((b: tf.Tensor) => tf.sum(tf.pow(b, 3)))(a))(
      tf.tensor1d([1, -2]),
    );
    expect(Array.from(await second.data())).toEqual([6, -12]);
  });

  it('says so when y does not depend on x', () => {
    restore = installLowMemoryGradients();
    expect(() => tf.grads(() => tf.scalar(1))([tf.scalar(2)])).toThrow(/Cannot compute gradient of y=f\(x\)/);
  });

  it('trains a plain tfjs-layers conv model to the same weights as TF.js’s own backpropagation', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          kernelInitializer: seeded(1),
        }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: seeded(2) }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, kernelInitializer: seeded(3) }),
      ],
    });
    const initial = model.getWeights().map((w) => tf.clone(w));
    const images = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 5);
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const train = () => weightsAfterSgdSteps(model, initial, images, labels);
    const own = await train();
    restore = installLowMemoryGradients();
    const ours = await train();
    ours.forEach((values, i) => {
      expect(closeness(values, own[i]!, TOLERANCE.op).mismatches, model.weights[i]!.name).toBe(0);
    });
    const start = await Promise.all(initial.map(async (w) => Array.from(await w.data())));
    expect(
      ours.every((values, i) => values.some((v, j) => v !== start[i]![j])),
      'every weight moved',
    ).toBe(true);
    tf.dispose([images, labels, ...initial]);
    model.dispose();
  });
});
