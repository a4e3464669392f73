import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/src/index.ts';
import { CompositeLayer } from './composite-layer.js';
import { RepeatedCallMemo } from './repeated-call-memo.js';

/** Three outputs x*w, x*w+1, x*w*2 of one Dense child; counts how often it computes them. */
class ThreeOutputs extends CompositeLayer {
  static className = 'befunetTest>ThreeOutputs';
  computations = 0;
  readonly dense: tfl.layers.Layer;
  private readonly memo = new RepeatedCallMemo();
  constructor(args: { name?: string } = {}) {
    super(args);
    this.dense = this.track(
      tfl.layers.dense({
        units: 2,
        name: 'dense',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
      }),
    );
  }
  override build(inputShape: tfl.Shape | tfl.Shape[]) {
    this.buildSublayer(this.dense, inputShape as tfl.Shape);
    this.built = true;
  }
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const [b] = inputShape as tfl.Shape;
    return [0, 1, 2].map(() => [b ?? null, 2]);
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean } = {}) {
    return this.memo.run(this, inputs, kwargs, () =>
      tf.tidy(() => {
        this.computations++;
        const y = this.dense.apply(Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor;
        return [y, tf.add(y, 1), tf.mul(y, 2)];
      }),
    );
  }
}
tf.serialization.registerClass(ThreeOutputs);

/** A graph that uses all three outputs, each through its own Dense head, summed. */
function makeModel() {
  const input = tfl.input({ shape: [3] });
  const layer = new ThreeOutputs({ name: 'three' });
  const outs = layer.apply(input) as tfl.SymbolicTensor[];
  const heads = outs.map(
    (o, i) =>
      tfl.layers
        .dense({ units: 1, name: `head${i}`, kernelInitializer: tfl.initializers.glorotUniform({ seed: i }) })
        .apply(o) as tfl.SymbolicTensor,
  );
  return {
    model: tfl.model({ inputs: input, outputs: tfl.layers.add().apply(heads) as tfl.SymbolicTensor }),
    layer,
  };
}

/** The model's output computed by hand from its weights (independent of the graph executor). */
function byHand(model: tfl.LayersModel, x: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const w = (name: string) => model.weights.find((v) => v.originalName === name)!.read();
    const y = tf.add(tf.matMul(x, w('three/dense/kernel') as tf.Tensor2D), w('three/dense/bias'));
    const head = (i: number, t: tf.Tensor) =>
      tf.add(tf.matMul(t as tf.Tensor2D, w(`head${i}/kernel`) as tf.Tensor2D), w(`head${i}/bias`));
    return tf.addN([head(0, y), head(1, tf.add(y, 1)), head(2, tf.mul(y, 2))]);
  });
}

describe('RepeatedCallMemo', () => {
  const x = () => tf.tensor2d([1, -2, 0.5, 3, 0.25, -1], [2, 3]);

  it('computes a three-output layer once per predict, with the same result', async () => {
    const { model, layer } = makeModel();
    const input = x();
    // Without the memo tfjs-layers' executor calls the layer once per used output: 3 computations.
    const out = model.predict(input) as tf.Tensor;
    expect(layer.computations).toBe(1);
    const expected = byHand(model, input);
    await expectClose(out, expected);
    expected.dispose();
    tf.dispose([out, input]);
    model.dispose();
  });

  it('computes once per training forward pass and still gives every weight its gradient', async () => {
    const { model, layer } = makeModel();
    const input = x();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.apply(input, { training: true }) as tf.Tensor) as tf.Scalar,
      model.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    expect(layer.computations).toBe(1);
    // d(sum)/d(dense kernel), independently: the same loss by hand, differentiated by TF.js.
    const kernel = model.weights.find((v) => v.originalName === 'three/dense/kernel')!.read() as tf.Variable;
    const reference = tf.variableGrads(() => tf.sum(byHand(model, input)) as tf.Scalar, [kernel]);
    await expectClose(grads[kernel.name]!, reference.grads[kernel.name]!);
    await expectClose(value, reference.value);
    for (const g of Object.values(grads)) {
      const largest = tf.max(tf.abs(g));
      expect((await largest.data())[0]).toBeGreaterThan(0);
      largest.dispose();
    }
    tf.dispose([value, reference.value, input, ...Object.values(grads), ...Object.values(reference.grads)]);
    model.dispose();
  });

  it('computes anew for new inputs, new weights, another training flag, scope or tape', async () => {
    const { layer } = makeModel();
    const a = x();
    const b = x();
    const calls = () => layer.computations;
    tf.tidy(() => {
      layer.apply(a);
      layer.apply(a);
      expect(calls()).toBe(1); // repeated: same scope, inputs, flag, weights
      layer.apply(b);
      expect(calls()).toBe(2); // another input tensor (same values)
      layer.apply(b, { training: true });
      expect(calls()).toBe(3); // another training flag
      layer.dense.setWeights(layer.dense.getWeights().map((w) => tf.add(w, 1)));
      const [first] = layer.apply(b, { training: true }) as tf.Tensor[];
      expect(calls()).toBe(4); // new weight values
      tf.tidy(() => layer.apply(b, { training: true }) as tf.Tensor[]);
      expect(calls()).toBe(5); // another scope
      tf.grad((t: tf.Tensor) => tf.sum((layer.apply(t) as tf.Tensor[])[0]!))(b);
      expect(calls()).toBe(6); // inside a gradient tape (and its scope)
      expect(first!.isDisposed).toBe(false);
    });
    tf.dispose(layer.apply(a) as tf.Tensor[]);
    tf.dispose(layer.apply(a) as tf.Tensor[]);
    expect(calls()).toBe(8); // outside any tidy scope nothing is reused
    tf.dispose([a, b]);
  });
});
