import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { closeness, expectClose, runOnBackend, saveAndReload, TOLERANCE } from '../../testing/src/index.ts';
import { CompositeLayer, type LayerArgs, relativeWeightName, withDefaultName } from './composite-layer.js';

/** y = proj(relu(hidden(x))) + x: two Dense children and one weight of its own. */
class TwoDense extends CompositeLayer {
  static className = 'befunetTest>TwoDense';
  private readonly hidden: tfl.layers.Layer;
  private readonly proj: tfl.layers.Layer;
  private gain!: tfl.LayerVariable;
  constructor(args: { units: number; name?: string }) {
    super(args);
    const kernelInitializer = tfl.initializers.glorotUniform({ seed: 7 });
    this.hidden = this.track(
      tfl.layers.dense({ units: args.units, activation: 'relu', name: 'hidden', kernelInitializer }),
    );
    this.proj = this.track(tfl.layers.dense({ units: 4, name: 'proj', kernelInitializer }));
  }
  override build(inputShape: tfl.Shape | tfl.Shape[]) {
    const shape = inputShape as tfl.Shape;
    this.gain = this.addWeight('gain', [4], 'float32', tfl.initializers.ones());
    this.buildSublayer(this.proj, this.buildSublayer(this.hidden, shape) as tfl.Shape);
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const y = this.proj.apply(this.hidden.apply(x)) as tf.Tensor;
      return tf.add(tf.mul(y, this.gain.read()), x);
    });
  }
  override getConfig() {
    return { ...super.getConfig(), units: (this.hidden.getConfig() as { units: number }).units };
  }
}
tf.serialization.registerClass(TwoDense);

function makeModel() {
  const input = tfl.input({ shape: [4] });
  const a = new TwoDense({ units: 8, name: 'block_a' });
  const b = new TwoDense({ units: 3, name: 'block_b' });
  return tfl.model({ inputs: input, outputs: b.apply(a.apply(input)) as tfl.SymbolicTensor });
}

describe('CompositeLayer', () => {
  it('counts and names the weights of its children', () => {
    const model = makeModel();
    // block_a: gain 4 + hidden 4*8+8 + proj 8*4+4 = 80; block_b: 4 + 4*3+3 + 3*4+4 = 35.
    expect(model.countParams()).toBe(80 + 35);
    const names = model.weights.map((w) => w.originalName);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('block_a/hidden/kernel');
    expect(names).toContain('block_b/proj/bias');
    model.dispose();
  });

  it('gives every weight, its own and its children, a non-zero gradient', async () => {
    const model = makeModel();
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar);
    expect(Object.keys(grads).length).toBe(model.trainableWeights.length);
    for (const [name, g] of Object.entries(grads)) {
      expect((await tf.max(tf.abs(g)).data())[0], name).toBeGreaterThan(0);
    }
    tf.dispose([x, grads]);
    model.dispose();
  });

  it('saves and reloads with identical outputs', async () => {
    const model = makeModel();
    const x = tf.randomNormal([2, 4], 0, 1, 'float32', 2);
    const before = model.predict(x) as tf.Tensor;
    const reloaded = await saveAndReload(model);
    expect(reloaded.countParams()).toBe(model.countParams());
    await expectClose(reloaded.predict(x) as tf.Tensor, before, TOLERANCE.exact, 'reloaded output');
    tf.dispose([x, before]);
    model.dispose();
    reloaded.dispose();
  });

  it('reports all child weights as non-trainable when frozen', () => {
    const model = makeModel();
    const block = model.getLayer('block_a');
    block.trainable = false;
    expect(block.trainableWeights).toHaveLength(0);
    expect(block.nonTrainableWeights).toHaveLength(5);
    model.dispose();
  });

  it('computes the same on this backend as on cpu', async () => {
    const input = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const forward = async () => {
      const model = makeModel();
      const y = model.predict(tf.tensor2d(input, [3, 4])) as tf.Tensor;
      const values = await y.data();
      model.dispose();
      return values;
    };
    const here = await forward();
    const onCpu = await runOnBackend('cpu', forward);
    expect(closeness(here, onCpu, TOLERANCE.op).mismatches).toBe(0);
  });
});

describe('withDefaultName', () => {
  it('keeps a given name and numbers default names per base, valid as weight scopes', () => {
    expect(withDefaultName({ name: 'mine' }, 'block')).toEqual({ name: 'mine' });
    const a = withDefaultName<LayerArgs>({}, 'test_block').name!;
    const b = withDefaultName<LayerArgs>({ trainable: false }, 'test_block');
    expect(a).toMatch(/^test_block_\d+$/);
    expect(b.name).not.toBe(a);
    expect(b.trainable).toBe(false);
    const layer = tfl.layers.dense({ units: 2, ...withDefaultName({}, 'dense_block') });
    layer.apply(tfl.input({ shape: [3] }));
    expect(layer.weights[0]!.originalName).toMatch(/^dense_block_\d+\/kernel$/);
  });
});

describe('relativeWeightName', () => {
  it('names a weight relative to a layer built through apply() or by build()', () => {
    const model = makeModel();
    const block = model.getLayer('block_a');
    expect(block.weights.map((w) => relativeWeightName(block, w))).toContain('hidden/kernel');
    const direct = new TwoDense({ units: 2, name: 'direct' });
    direct.build([null, 4]);
    expect(direct.weights.map((w) => relativeWeightName(direct, w))).toContain('proj/bias');
    model.dispose();
  });
});
