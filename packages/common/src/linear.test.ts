import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { expectClose, saveAndReload, TOLERANCE } from '../../testing/src/index.ts';
import { DTypeError, ShapeError } from './errors.js';
import { Linear } from './linear.js';

const input = (shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(0.7 * i)),
    shape,
  );

/** A tfjs-layers Dense with the same weights, the reference. */
function denseLike(layer: Linear, inputShape: number[]): tfl.layers.Layer {
  const dense = tfl.layers.dense({ units: layer.units, useBias: layer.useBias });
  dense.build(inputShape);
  dense.setWeights(layer.getWeights());
  return dense;
}

describe('Linear', () => {
  it.each([[[5, 6]], [[2, 3, 6]], [[2, 3, 4, 6]]])(
    'equals tfjs-layers Dense with the same weights on input %j, in one matMul',
    async (shape) => {
      for (const useBias of [true, false]) {
        const layer = new Linear({ units: 4, useBias, biasInitializer: 'randomNormal' });
        const x = input(shape);
        const y = layer.apply(x) as tf.Tensor;
        expect(y.shape).toEqual([...shape.slice(0, -1), 4]);
        await expectClose(y, denseLike(layer, shape).apply(x) as tf.Tensor, TOLERANCE.op, `bias ${useBias}`);
        const kernels = (await tf.profile(() => layer.apply(x) as tf.Tensor)).kernels.map((k) => k.name);
        expect(kernels).not.toContain('Transpose');
        expect(kernels.filter((k) => k === '_FusedMatMul')).toHaveLength(1);
      }
    },
  );

  it('names its weights as Dense does and counts the same parameters', () => {
    const layer = new Linear({ units: 3, name: 'proj' });
    tf.dispose(layer.apply(tf.zeros([1, 5])) as tf.Tensor);
    const dense = tfl.layers.dense({ units: 3, name: 'proj' });
    tf.dispose(dense.apply(tf.zeros([1, 5])) as tf.Tensor);
    expect(layer.weights.map((w) => w.originalName)).toEqual(dense.weights.map((w) => w.originalName));
    expect(layer.weights.map((w) => w.originalName)).toEqual(['proj/kernel', 'proj/bias']);
    expect(layer.countParams()).toBe(dense.countParams());
    const noBias = new Linear({ units: 3, useBias: false, name: 'nb' });
    tf.dispose(noBias.apply(tf.zeros([1, 5])) as tf.Tensor);
    expect(noBias.weights.map((w) => w.originalName)).toEqual(['nb/kernel']);
  });

  it('gives the kernel and bias the gradients Dense gives them', async () => {
    const layer = new Linear({ units: 4, biasInitializer: 'randomNormal' });
    const x = input([2, 3, 6]);
    layer.apply(x);
    const dense = denseLike(layer, [2, 3, 6]);
    const grads = (l: tfl.layers.Layer) =>
      tf.variableGrads(
        () => tf.sum(tf.square(l.apply(x) as tf.Tensor)) as tf.Scalar,
        l.trainableWeights.map((w) => w.read() as tf.Variable),
      ).grads;
    const ours = Object.values(grads(layer));
    const reference = Object.values(grads(dense));
    expect(ours).toHaveLength(2);
    for (const [i, g] of ours.entries()) await expectClose(g, reference[i]!, TOLERANCE.op, `weight ${i}`);
  });

  it('saves and reloads in a model with the same outputs', async () => {
    const x = tfl.input({ shape: [3, 6] });
    const model = tfl.model({
      inputs: x,
      outputs: new Linear({ units: 2, kernelInitializer: 'heNormal' }).apply(x) as tfl.SymbolicTensor,
    });
    const reloaded = await saveAndReload(model);
    const data = input([2, 3, 6]);
    await expectClose(reloaded.predict(data) as tf.Tensor, model.predict(data) as tf.Tensor, TOLERANCE.exact);
    expect(reloaded.layers[1]!.getConfig()).toMatchObject({ units: 2, useBias: true });
  });

  it('names bad units, ranks, widths and dtypes', () => {
    expect(() => new Linear({ units: 0 })).toThrow(/units must be a positive integer/);
    const layer = new Linear({ units: 2 });
    layer.apply(tf.zeros([1, 4]));
    expect(() => layer.apply(tf.zeros([1, 5]))).toThrow(ShapeError);
    expect(() => layer.apply(tf.zeros([1, 5]))).toThrow(/expects \[\.\.\., 4\]/);
    expect(() => layer.apply(tf.zeros([1, 4], 'int32'))).toThrow(DTypeError);
    expect(() => new Linear({ units: 2 }).apply(tf.zeros([4]))).toThrow(/rank >= 2/);
  });
});
