import { ConfigError, ShapeError } from '@befunet/common';
import { saveAndReload } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  closeness,
  expectClose,
  expectNoLeak,
  fixtureTensor,
  loadFixture,
  nchwToNhwc,
  runOnBackend,
  TOLERANCE,
} from '../../testing/src/index.ts';
import { SWIN_MINI } from './presets.js';
import { SwinEncoder } from './swin-encoder.js';
import { DERIVED_BUFFER_PATTERN, loadSwinWeights } from './weights.js';

const MODEL = 'official/official_mini.safetensors';
const IO = 'official/official_mini_io.safetensors';

/** Mini width, window 4, 2x2 patches: a 32x32 image gives grids 16, 8, 4 (window = grid), 2 (window shrinks). */
const SMALL = { embedDim: 8, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 4, patchSize: 2 };
const image = (b = 1) =>
  tf.tensor4d(
    Float32Array.from({ length: b * 32 * 32 * 3 }, (_, i) => Math.sin(0.01 * i * i)),
    [b, 32, 32, 3],
  );

/** Deterministic non-trivial weights (identical on every backend). */
function setWeights(layer: tfl.layers.Layer) {
  for (const [k, w] of layer.weights.entries()) {
    const size = w.shape.reduce((a, b) => a! * b!, 1)!;
    const t = tf.tensor(
      Float32Array.from({ length: size }, (_, i) => 0.2 * Math.cos(0.61 * i + k)),
      w.shape as number[],
    );
    w.write(t);
    t.dispose();
  }
}

function smallModel() {
  const input = tfl.input({ shape: [32, 32, 3] });
  const enc = new SwinEncoder({ name: 'swin', ...SMALL });
  return tfl.model({ inputs: input, outputs: enc.apply(input) as tfl.SymbolicTensor[] });
}

describe('SwinEncoder', () => {
  it('returns the four levels NHWC at strides P, 2P, 4P, 8P', () => {
    const enc = new SwinEncoder({ ...SMALL });
    const x = image(2);
    const ys = enc.apply(x) as tf.Tensor[];
    expect(ys.map((y) => y.shape)).toEqual([
      [2, 16, 16, 8],
      [2, 8, 8, 16],
      [2, 4, 4, 32],
      [2, 2, 2, 64],
    ]);
    expect(enc.levelDims).toEqual([8, 16, 32, 64]);
    expect(enc.computeOutputShape([null, 32, 32, 3])).toEqual(ys.map((y) => [null, ...y.shape.slice(1)]));
    tf.dispose([x, ys]);
    enc.dispose();
  });

  it('accepts grids the window does not divide (padded and masked inside the blocks)', () => {
    const enc = new SwinEncoder({ ...SMALL, windowSize: 3 });
    const x = image();
    const ys = enc.apply(x) as tf.Tensor[];
    expect(ys.map((y) => y.shape)).toEqual([
      [1, 16, 16, 8],
      [1, 8, 8, 16],
      [1, 4, 4, 32],
      [1, 2, 2, 64],
    ]);
    tf.dispose([x, ys]);
    enc.dispose();
  });

  it('defaults to Swin-T', () => {
    const enc = new SwinEncoder();
    expect(enc.config).toMatchObject({
      embedDim: 96,
      depths: [2, 2, 6, 2],
      numHeads: [3, 6, 12, 24],
      windowSize: 7,
    });
    expect(enc.config.dropPathRate).toBe(0.1);
  });

  it('has as many parameters as the official fixture for the same config', () => {
    const tensors = loadFixture(MODEL).tensors;
    let expected = 0;
    for (const [key, e] of tensors) {
      const swin =
        key.startsWith('All2Cross.pyramid.swin_transformer.') || /^All2Cross\.pyramid\.p\d_pm\./.test(key);
      if (swin && !DERIVED_BUFFER_PATTERN.test(key)) expected += e.shape.reduce((a, b) => a * b, 1);
    }
    const input = tfl.input({ shape: [56, 56, 16] });
    const enc = new SwinEncoder({ ...SWIN_MINI, patchEmbed: false });
    enc.apply(input);
    expect(enc.countParams()).toBe(expected);
    enc.dispose();
  });

  it('loads the official weights (stage downsampling mapped to p{k}_pm) and reproduces swin_stage0', async () => {
    const io = loadFixture(IO);
    const enc = new SwinEncoder({ ...SWIN_MINI, patchEmbed: false });
    const x = nchwToNhwc(fixtureTensor(io, 'p1_ch'));
    tf.dispose(enc.apply(x) as tf.Tensor);
    const report = loadSwinWeights(enc, loadFixture(MODEL).tensors, {
      prefix: 'All2Cross.pyramid.swin_transformer.',
      keyMap: (k) => k.replace(/swin_transformer\.layers\.(\d)\.downsample\./, 'p$1_pm.'),
    });
    expect(report.loaded).toHaveLength(enc.weights.length);
    const levels = enc.apply(x) as tf.Tensor[];
    const expected = tf.reshape(fixtureTensor(io, 'swin_stage0'), [1, 56, 56, 16]);
    await expectClose(levels[0]!, expected, TOLERANCE.layer, 'level 1');
    tf.dispose([x, levels, expected]);
    enc.dispose();
  });

  it('gives every weight a non-zero gradient', async () => {
    const model = smallModel();
    setWeights(model);
    const x = image();
    const { value, grads } = tf.variableGrads(() => {
      const ys = model.apply(x) as tf.Tensor[];
      return tf.addN(ys.map((y, k) => tf.sum(tf.mul(tf.square(y), k + 1)))) as tf.Scalar;
    });
    expect(Object.keys(grads)).toHaveLength(model.trainableWeights.length);
    for (const [name, g] of Object.entries(grads)) {
      expect((await tf.max(tf.abs(g)).data())[0], name).toBeGreaterThan(0);
    }
    tf.dispose([x, value, grads]);
    model.dispose();
  });

  it('trains with fit: one SGD step changes every weight', async () => {
    const input = tfl.input({ shape: [32, 32, 3] });
    const enc = new SwinEncoder({ ...SMALL, dropPathRate: 0 });
    // The deepest level depends on every weight.
    const model = tfl.model({ inputs: input, outputs: (enc.apply(input) as tfl.SymbolicTensor[])[3]! });
    setWeights(model);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = await Promise.all(model.weights.map((w) => w.read().data()));
    const x = image();
    const targets = tf.ones([1, 2, 2, 64]);
    await model.fit(x, targets, { epochs: 1, batchSize: 1, verbose: 0 });
    const after = await Promise.all(model.weights.map((w) => w.read().data()));
    model.weights.forEach((w, i) => {
      expect(closeness(after[i]!, before[i]!, TOLERANCE.exact).mismatches, w.originalName).toBeGreaterThan(0);
    });
    tf.dispose([x, targets]);
    model.dispose();
  });

  it('saves and reloads with identical outputs', async () => {
    const model = smallModel();
    setWeights(model);
    const x = image();
    const before = model.predict(x) as tf.Tensor[];
    const reloaded = await saveAndReload(model);
    expect(reloaded.countParams()).toBe(model.countParams());
    const after = reloaded.predict(x) as tf.Tensor[];
    for (let k = 0; k < 4; k++) await expectClose(after[k]!, before[k]!, TOLERANCE.exact, `level ${k + 1}`);
    tf.dispose([x, before, after]);
    model.dispose();
    reloaded.dispose();
  });

  it('leaks no tensors and agrees with cpu', async () => {
    const forward = async () => {
      const enc = new SwinEncoder({ ...SMALL, name: 'swin_cmp' });
      const x = image();
      tf.dispose(enc.apply(x) as tf.Tensor);
      setWeights(enc);
      const ys = enc.apply(x) as tf.Tensor[];
      const all = tf.concat(ys.map((y) => tf.reshape(y, [-1])));
      const v = await all.data();
      tf.dispose([x, ys, all]);
      enc.dispose();
      return v;
    };
    const here = await forward();
    const cpu = await runOnBackend('cpu', forward);
    expect(closeness(here, cpu, TOLERANCE.layer).mismatches).toBe(0);
    const enc = new SwinEncoder({ ...SMALL });
    const x = image();
    await expectNoLeak(() => enc.apply(x));
    x.dispose();
    enc.dispose();
  });

  it('frees its weights and derived masks and indices on dispose', () => {
    const before = tf.memory().numTensors;
    const enc = new SwinEncoder({ ...SMALL });
    const x = image();
    tf.dispose(enc.apply(x) as tf.Tensor[]);
    x.dispose();
    expect(tf.memory().numTensors).toBeGreaterThan(before + enc.weights.length);
    enc.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad configs and inputs with typed errors', () => {
    expect(() => new SwinEncoder({ numHeads: [3, 6, 12] })).toThrow(ConfigError);
    expect(() => new SwinEncoder({ embedDim: 96, numHeads: [5, 6, 12, 24] })).toThrow(/numHeads\[0\]/);
    expect(() => new SwinEncoder({ dropPathRate: 1 })).toThrow(ConfigError);
    const enc = new SwinEncoder({ ...SMALL });
    expect(() => enc.apply(tf.zeros([1, 30, 32, 3]))).toThrow(/multiples of 16/);
    expect(() => enc.apply(tf.zeros([32, 32, 3]))).toThrow(ShapeError);
    const noEmbed = new SwinEncoder({ ...SMALL, patchEmbed: false });
    expect(() => noEmbed.apply(tf.zeros([1, 16, 16, 3]))).toThrow(/level-1 map/);
  });
});
