import { readSafetensors, WeightLoadError, writeSafetensors } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, TOLERANCE } from '../../testing/src/index.ts';
import { PatchEmbed } from './patch-embed.js';
import { SwinEncoder } from './swin-encoder.js';
import { SwinStage } from './swin-stage.js';
import {
  CLASSIFIER_KEYS,
  exportSwinWeights,
  loadSwinWeights,
  type StateDictEntry,
  torchKeyOf,
} from './weights.js';

const entry = (
  shape: number[],
  f: (i: number) => number = (i) => i,
): StateDictEntry & { values: Float32Array } => ({
  shape,
  values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
});

function smallStage() {
  const stage = new SwinStage({ name: 'stage', dim: 4, depth: 1, numHeads: 1, windowSize: 2 });
  const x = tf.zeros([1, 2, 2, 4]);
  tf.dispose(stage.apply(x) as tf.Tensor);
  x.dispose();
  return stage;
}

/** A complete state dict for smallStage(), in PyTorch layout, with distinct values. */
function stageDict(prefix = ''): Map<string, StateDictEntry> {
  const shapes: Record<string, number[]> = {
    'blocks.0.norm1.weight': [4],
    'blocks.0.norm1.bias': [4],
    'blocks.0.attn.relative_position_bias_table': [9, 1],
    'blocks.0.attn.qkv.weight': [12, 4],
    'blocks.0.attn.qkv.bias': [12],
    'blocks.0.attn.proj.weight': [4, 4],
    'blocks.0.attn.proj.bias': [4],
    'blocks.0.norm2.weight': [4],
    'blocks.0.norm2.bias': [4],
    'blocks.0.mlp.fc1.weight': [16, 4],
    'blocks.0.mlp.fc1.bias': [16],
    'blocks.0.mlp.fc2.weight': [4, 16],
    'blocks.0.mlp.fc2.bias': [4],
  };
  const dict = new Map<string, StateDictEntry>();
  for (const [k, s] of Object.entries(shapes))
    dict.set(
      prefix + k,
      entry(s, (i) => Math.sin(i + k.length)),
    );
  dict.set(`${prefix}blocks.0.attn.relative_position_index`, entry([4, 4]));
  return dict;
}

describe('torchKeyOf', () => {
  it('maps TF.js weight paths to Microsoft/timm keys by string rules', () => {
    expect(torchKeyOf('layers_1/blocks_0/attn/qkv/kernel', 2)).toEqual({
      key: 'layers.1.blocks.0.attn.qkv.weight',
      transform: 'linear',
    });
    expect(torchKeyOf('layers_0/blocks_1/norm2/gamma', 1).key).toBe('layers.0.blocks.1.norm2.weight');
    expect(torchKeyOf('layers_0/blocks_1/norm2/beta', 1).key).toBe('layers.0.blocks.1.norm2.bias');
    expect(torchKeyOf('layers_3/blocks_0/attn/relative_position_bias_table', 2)).toEqual({
      key: 'layers.3.blocks.0.attn.relative_position_bias_table',
      transform: 'none',
    });
    expect(torchKeyOf('patch_embed/proj/kernel', 4)).toEqual({
      key: 'patch_embed.proj.weight',
      transform: 'conv',
    });
    expect(torchKeyOf('layers_2/downsample/reduction/kernel', 2).key).toBe(
      'layers.2.downsample.reduction.weight',
    );
    expect(torchKeyOf('layers_2/downsample/reduction/kernel', 2, 'microsoft').key).toBe(
      'layers.1.downsample.reduction.weight',
    );
  });
});

describe('loadSwinWeights', () => {
  it('loads Linear weights transposed and reports what it loaded', async () => {
    const stage = smallStage();
    const dict = stageDict('backbone.');
    const report = loadSwinWeights(stage, dict, { prefix: 'backbone.' });
    expect(report.loaded).toHaveLength(13);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const qkv = stage.weights.find((w) => w.originalName.endsWith('qkv/kernel'))!;
    const torch = dict.get('backbone.blocks.0.attn.qkv.weight')!.values as Float32Array;
    const v = await qkv.read().data();
    // kernel[i, o] = weight[o, i]
    expect(v[1 * 12 + 5]).toBeCloseTo(torch[5 * 4 + 1]!, 6);
    expect(v[3 * 12 + 11]).toBeCloseTo(torch[11 * 4 + 3]!, 6);
    stage.dispose();
  });

  it('names missing, unexpected and mis-shaped keys, and changes nothing when strict', async () => {
    const stage = smallStage();
    const before = await stage.weights[0]!.read().data();
    const dict = stageDict();
    dict.delete('blocks.0.mlp.fc2.bias');
    dict.set('blocks.0.attn.proj.weight', entry([4, 5]));
    dict.set('blocks.0.extra.weight', entry([3]));
    let error: unknown;
    try {
      loadSwinWeights(stage, dict);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeightLoadError);
    const message = (error as Error).message;
    expect(message).toContain('missing: blocks.0.mlp.fc2.bias');
    expect(message).toContain('mis-shaped: blocks.0.attn.proj.weight expected [4,4] got [4,5]');
    expect(message).toContain('unexpected: blocks.0.extra.weight');
    expect(message).not.toContain('relative_position_index');
    expect([...(await stage.weights[0]!.read().data())]).toEqual([...before]);
    const report = loadSwinWeights(stage, dict, { strict: false, ignore: ['blocks.0.extra'] });
    expect(report.missing).toEqual(['blocks.0.mlp.fc2.bias']);
    expect(report.mismatched).toEqual([{ key: 'blocks.0.attn.proj.weight', expected: [4, 4], got: [4, 5] }]);
    expect(report.unexpected).toEqual([]);
    expect(report.loaded).toHaveLength(11);
    stage.dispose();
  });

  it('accepts 64-bit integer values (as a .pth reader may give them)', async () => {
    const stage = smallStage();
    const dict: Map<string, StateDictEntry> = stageDict();
    dict.set('blocks.0.norm1.bias', { shape: [4], values: BigInt64Array.from([1n, -2n, 3n, 4n]) });
    loadSwinWeights(stage, dict);
    const beta = stage.weights.find((w) => w.originalName.endsWith('norm1/beta'))!;
    expect([...(await beta.read().data())]).toEqual([1, -2, 3, 4]);
    stage.dispose();
  });

  it('refuses an unbuilt layer', () => {
    const stage = new SwinStage({ dim: 4, depth: 1, numHeads: 1 });
    expect(() => loadSwinWeights(stage, new Map())).toThrow(/not built/);
  });

  it('loads conv weights OIHW -> HWIO (patch embedding against a naive projection)', async () => {
    const embed = new PatchEmbed({ name: 'patch_embed', embedDim: 3, patchSize: 2, norm: false });
    const image = Float32Array.from({ length: 4 * 4 * 2 }, (_, i) => Math.cos(i));
    const x = tf.tensor4d(image, [1, 4, 4, 2]);
    tf.dispose(embed.apply(x) as tf.Tensor);
    const w = entry([3, 2, 2, 2], (i) => Math.sin(0.3 * i)); // [out, in, kh, kw]
    const b = entry([3], (i) => i - 1);
    loadSwinWeights(
      embed,
      new Map([
        ['patch_embed.proj.weight', w],
        ['patch_embed.proj.bias', b],
      ]),
      {
        prefix: 'patch_embed.',
      },
    );
    const expected: number[] = [];
    for (let ph = 0; ph < 2; ph++)
      for (let pw = 0; pw < 2; pw++)
        for (let o = 0; o < 3; o++) {
          let s = (b.values as Float32Array)[o]!;
          for (let c = 0; c < 2; c++)
            for (let y = 0; y < 2; y++)
              for (let z = 0; z < 2; z++)
                s +=
                  w.values[((o * 2 + c) * 2 + y) * 2 + z]! *
                  image[((2 * ph + y) * 4 + (2 * pw + z)) * 2 + c]!;
          expected.push(s);
        }
    await expectClose(embed.apply(x) as tf.Tensor, expected, TOLERANCE.op, 'patch embedding');
    x.dispose();
    embed.dispose();
  });

  it('round-trips through a safetensors file in either key layout', async () => {
    const make = () => {
      const enc = new SwinEncoder({
        embedDim: 4,
        depths: [1, 1],
        numHeads: [1, 2],
        windowSize: 2,
        patchSize: 2,
      });
      const x = tf.zeros([1, 8, 8, 3]);
      tf.dispose(enc.apply(x) as tf.Tensor);
      x.dispose();
      return enc;
    };
    const a = make();
    const b = make();
    const x = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 4);
    for (const layout of ['timm', 'microsoft'] as const) {
      const exported = await exportSwinWeights(a, { layout, prefix: 'model.' });
      if (layout === 'microsoft')
        expect(exported.has('model.layers.0.downsample.reduction.weight')).toBe(true);
      else expect(exported.has('model.layers.1.downsample.reduction.weight')).toBe(true);
      const file = readSafetensors(writeSafetensors(Object.fromEntries(exported)));
      const withHead = new Map(file.tensors);
      withHead.set('model.head.weight', { dtype: 'F32', shape: [2, 8], values: new Float32Array(16) });
      withHead.set('model.norm.weight', { dtype: 'F32', shape: [8], values: new Float32Array(8) });
      expect(() => loadSwinWeights(b, withHead, { prefix: 'model.' })).toThrow(
        /unexpected: model.head.weight/,
      );
      const report = loadSwinWeights(b, withHead, { prefix: 'model.', ignore: CLASSIFIER_KEYS });
      expect(report.loaded).toHaveLength(b.weights.length);
      const ya = a.apply(x) as tf.Tensor[];
      const yb = b.apply(x) as tf.Tensor[];
      for (let k = 0; k < 2; k++)
        await expectClose(yb[k]!, ya[k]!, TOLERANCE.exact, `level ${k + 1} (${layout})`);
      tf.dispose([ya, yb]);
      // Reset b so that the second layout really loads.
      for (const w of b.weights) {
        const z = tf.zerosLike(w.read());
        w.write(z);
        z.dispose();
      }
    }
    x.dispose();
    a.dispose();
    b.dispose();
  });
});
