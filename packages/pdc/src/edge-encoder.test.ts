import { ShapeError, WeightLoadError } from '@befunet/common';
import { closeness, fixtureTensor, loadFixture, nchwToNhwc, runOnBackend } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeEncoder, edgeEncoderPlan } from './edge-encoder.js';
import { PDC_FORMS, type PdcForm } from './pdc-ops.js';
import { loadPidinetWeights, pidinetKeys } from './weights.js';

const weightsFile = () => loadFixture('official/pidinet_small_bsds.safetensors');
const ioFile = () => loadFixture('official/edge_encoder_io.safetensors');

function officialEncoder(form: PdcForm = 'difference') {
  const encoder = new EdgeEncoder({ layout: 'official', form, name: 'edge' });
  encoder.apply(tfl.input({ shape: [null, null, 3] }));
  loadPidinetWeights(encoder, weightsFile());
  return encoder;
}

/** Max |a - e| relative to max |e| (stage 4 reaches thousands: compare to the scale). */
function scaledError(a: ArrayLike<number>, e: ArrayLike<number>) {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  return { err, scale, relative: err / scale };
}

describe('EdgeEncoder official layout (PiDiNet-small carv4) with the BSDS weights', () => {
  let input: tf.Tensor4D;
  beforeAll(() => {
    input = nchwToNhwc(fixtureTensor(ioFile(), 'input'));
  });
  afterAll(() => input.dispose());

  it('has the official parameter count (158,610) and PiDiNet names', () => {
    const encoder = officialEncoder();
    expect(encoder.countParams()).toBe(158_610);
    const keys = pidinetKeys(encoder).map((k) => k.key);
    const official = [...weightsFile().tensors.keys()].filter((k) => /^(init_block|block)/.test(k));
    expect([...keys].sort()).toEqual([...official].sort());
    encoder.dispose();
  });

  for (const form of PDC_FORMS) {
    it(`reproduces E1..E4 of the official code, ${form} form`, async () => {
      const encoder = officialEncoder(form);
      const outs = encoder.apply(input) as tf.Tensor[];
      for (const [i, name] of ['E1', 'E2', 'E3', 'E4'].entries()) {
        const expected = nchwToNhwc(fixtureTensor(ioFile(), name));
        expect(outs[i]!.shape, name).toEqual(expected.shape);
        const { relative, err, scale } = scaledError(await outs[i]!.data(), await expected.data());
        expect(relative, `${name}: max abs error ${err} at scale ${scale}`).toBeLessThan(1e-5);
        expected.dispose();
      }
      tf.dispose(outs);
      encoder.dispose();
    });
  }

  it('gives the same outputs after switching to the converted form', async () => {
    const encoder = officialEncoder('difference');
    const x = tf.slice(input, [0, 0, 0, 0], [1, 16, 16, 3]);
    const before = encoder.apply(x) as tf.Tensor[];
    encoder.setForm('converted');
    expect(encoder.form).toBe('converted');
    const after = encoder.apply(x) as tf.Tensor[];
    for (let i = 0; i < 4; i++) {
      const { relative } = scaledError(await after[i]!.data(), await before[i]!.data());
      expect(relative).toBeLessThan(1e-5);
    }
    tf.dispose([x, ...before, ...after]);
    encoder.dispose();
  });

  it('reports missing, unexpected and mis-shaped keys', () => {
    const encoder = new EdgeEncoder({ layout: 'official', name: 'edge' });
    encoder.apply(tfl.input({ shape: [8, 8, 3] }));
    const full = new Map(weightsFile().tensors);
    const missing = new Map(full);
    missing.delete('block2_1.shortcut.bias');
    expect(() => loadPidinetWeights(encoder, missing)).toThrow(/missing keys: block2_1\.shortcut\.bias/);
    const extra = new Map(full);
    extra.set('block5_1.conv1.weight', full.get('block1_1.conv1.weight')!);
    expect(() => loadPidinetWeights(encoder, extra)).toThrow(/unexpected keys: block5_1\.conv1\.weight/);
    const bad = new Map(full);
    bad.set('block3_2.conv2.weight', full.get('block1_1.conv2.weight')!);
    expect(() => loadPidinetWeights(encoder, bad)).toThrow(
      /block3_2\.conv2\.weight: expected \[120,120,1,1\], got \[30,30,1,1\]/,
    );
    expect(() => loadPidinetWeights(encoder, bad)).toThrow(WeightLoadError);
    encoder.dispose();
  });

  it('loads the official BEFUnet keys (pidinet_layers.<i>, with a prefix)', async () => {
    const encoder = officialEncoder();
    const renamed = new Map<string, { shape: readonly number[]; values: Float32Array | Int32Array }>();
    const names = encoder.pdcLayers.map((l) => l.name);
    for (const [key, t] of weightsFile().tensors) {
      const [head, ...rest] = key.split('.');
      const i = names.indexOf(head!);
      if (i >= 0) renamed.set(`net.pidinet_layers.${i}.${rest.join('.')}`, t);
    }
    renamed.set('other.weight', { shape: [1], values: new Float32Array(1) });
    // The official checkpoint also holds PiDiNet layer 16, which the encoder does not use.
    renamed.set('net.pidinet_layers.16.conv1.weight', { shape: [1], values: new Float32Array(1) });
    const copy = new EdgeEncoder({ layout: 'official', name: 'edge' });
    copy.apply(tfl.input({ shape: [8, 8, 3] }));
    loadPidinetWeights(copy, renamed, { keyStyle: 'sequential', prefix: 'net.' });
    for (const [i, w] of copy.weights.entries()) {
      const diff = tf.max(tf.abs(tf.sub(w.read(), encoder.weights[i]!.read())));
      expect((await diff.data())[0], w.originalName).toBe(0);
      diff.dispose();
    }
    copy.dispose();
    encoder.dispose();
  });
});

describe('EdgeEncoder layouts', () => {
  it('paper layout: C, 2C, 4C, 8C at 1/4 .. 1/32', () => {
    const encoder = new EdgeEncoder({ layout: 'paper', channels: 4 });
    const outs = encoder.apply(tfl.input({ shape: [64, 32, 3] })) as tfl.SymbolicTensor[];
    expect(outs.map((o) => o.shape)).toEqual([
      [null, 16, 8, 4],
      [null, 8, 4, 8],
      [null, 4, 2, 16],
      [null, 2, 1, 32],
    ]);
    expect(edgeEncoderPlan('paper', 4).stages.flat()).toHaveLength(16);
  });

  it('official layout symbolic shapes and block plan', () => {
    const plan = edgeEncoderPlan('official');
    expect(plan.stages.map((s) => s.map((b) => `${b.name}:${b.op}${b.strides === 2 ? '/2' : ''}`))).toEqual([
      ['block1_1:ad', 'block1_2:rd', 'block1_3:cv'],
      ['block2_1:cd/2', 'block2_2:ad', 'block2_3:rd', 'block2_4:cv'],
      ['block3_1:cd/2', 'block3_2:ad', 'block3_3:rd', 'block3_4:cv'],
      ['block4_1:cd/2', 'block4_2:ad', 'block4_3:rd', 'block4_4:cv'],
    ]);
    expect(plan.widths).toEqual([30, 60, 120, 120]);
  });

  it('rejects wrong rank, channel count and indivisible sizes', () => {
    const paper = new EdgeEncoder({ layout: 'paper', channels: 2 });
    expect(() => paper.apply(tfl.input({ shape: [64, 64, 1] }))).toThrow(/expects 3 input channels/);
    expect(() => paper.apply(tfl.input({ shape: [48, 64, 3] }))).toThrow(/height divisible by 32/);
    const official = new EdgeEncoder({ layout: 'official', channels: 2 });
    official.apply(tfl.input({ shape: [null, null, 3] }));
    const x3 = tf.zeros([8, 8, 3]);
    expect(() => official.apply(x3)).toThrow(ShapeError);
    const odd = tf.zeros([1, 8, 12, 3]);
    expect(() => official.apply(odd)).toThrow(/width divisible by 8, got \[1,8,12,3\]/);
    tf.dispose([x3, odd]);
    expect(() => new EdgeEncoder({ layout: 'tiny' as 'paper' })).toThrow(/layout must be one of/);
  });

  it('computes the same on this backend as on cpu (paper layout, both forms)', async () => {
    const run = async () => {
      const out: number[] = [];
      for (const form of PDC_FORMS) {
        const encoder = new EdgeEncoder({ layout: 'paper', channels: 2, form });
        encoder.apply(tfl.input({ shape: [32, 32, 3] }));
        encoder.setWeights(
          encoder.weights.map((w, i) => {
            const n = (w.shape as number[]).reduce((a, b) => a * b, 1);
            return tf.reshape(tf.mul(tf.sin(tf.range(1, 1 + n)), 0.5 + 0.01 * i), w.shape as number[]);
          }),
        );
        const x = tf.reshape(tf.cos(tf.range(0, 2 * 32 * 32 * 3)), [2, 32, 32, 3]);
        const ys = encoder.apply(x) as tf.Tensor[];
        for (const y of ys) out.push(...(await y.data()));
        tf.dispose([x, ...ys]);
        encoder.dispose();
      }
      return out;
    };
    const here = await run();
    const cpu = await runOnBackend('cpu', run);
    expect(closeness(here, cpu, { atol: 1e-4, rtol: 1e-4 }).mismatches).toBe(0);
  });
});
