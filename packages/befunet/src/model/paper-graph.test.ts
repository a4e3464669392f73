import { diceCeLoss, edgeLoss } from '@befunet/losses';
import {
  closeness,
  expectClose,
  expectNoLeak,
  runOnBackend,
  saveAndReload,
  TOLERANCE,
} from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { befunetConfigOf, createBefunet } from './befunet.js';
import { befunetConfig } from './config.js';

/** A paper graph small enough for a software GPU: 64x64 input, grids 16, 8, 4, 2. */
const SMALL = befunetConfig('tiny', {
  imageSize: 64,
  swin: { embedDim: 8, numHeads: [1, 1, 2, 2], windowSize: 2 },
  edgeChannels: 8,
  lcaf: { window: 2, shifted: true },
  dlf: { largeHeads: 1, smallHeads: 1 },
  decoder: { width: 8, predChannels: 4, groups: 4 },
});

const image = (b: number) =>
  tf.tensor4d(
    Float32Array.from({ length: b * 64 * 64 * 3 }, (_, i) => Math.sin(i * 0.01) * 0.5 + 0.5),
    [b, 64, 64, 3],
  );

describe('paper graph', () => {
  it('gives logits and four edge maps at the input size, and lists every component with its parameters', () => {
    const model = createBefunet(SMALL);
    const [logits, edges] = model.predict(image(2)) as tf.Tensor[];
    expect(logits!.shape).toEqual([2, 64, 64, 4]);
    expect(edges!.shape).toEqual([2, 64, 64, 4]);
    const names = model.layers.map((l) => l.name);
    for (const n of [
      'edge_encoder',
      'patch_embed',
      'layers_0',
      'layers_3',
      'lcaf_0',
      'lcaf_3',
      'dlf',
      'decoder',
      'edge_head_3',
    ]) {
      expect(names).toContain(n);
    }
    const perLayer = model.layers.reduce((s, l) => s + l.countParams(), 0);
    expect(model.countParams()).toBe(perLayer);
    const lines: string[] = [];
    model.summary(200, undefined, (line) => lines.push(line));
    expect(lines.find((l) => l.startsWith('dlf '))).toContain(String(model.getLayer('dlf').countParams()));
    expect(befunetConfigOf(model)).toEqual(SMALL);
    model.dispose();
  });

  it('gives every trainable weight a non-zero gradient from the training loss (CE + Dice + edge loss)', async () => {
    const model = createBefunet(SMALL);
    const x = image(1);
    // Four horizontal bands of classes 0..3, and their boundaries as the edge target.
    const band = tf.tidy(() => tf.floorDiv(tf.range(0, 64, 1, 'int32'), 16));
    const labels = tf.tidy(() => tf.tile(tf.reshape(band, [1, 64, 1]), [1, 1, 64]));
    const edgeTarget = tf.tidy(() =>
      tf.tile(
        tf.reshape(tf.cast(tf.equal(tf.mod(tf.range(0, 64, 1, 'int32'), 16), 0), 'float32'), [1, 64, 1, 1]),
        [1, 1, 64, 1],
      ),
    );
    const { value, grads } = tf.variableGrads(() => {
      const [logits, edges] = model.apply(x, { training: true }) as tf.Tensor[];
      const maps = tf.split(edges!, 4, -1);
      const body = diceCeLoss(labels, logits!);
      return tf.add(
        body,
        tf.mul(0.1, edgeLoss(edgeTarget, maps, { sigmoid: false, reduction: 'mean' })),
      ) as tf.Scalar;
    });
    expect(Number.isFinite((await value.data())[0]!)).toBe(true);
    const dead: string[] = [];
    for (const w of model.trainableWeights) {
      const g = grads[w.name];
      const peak = g ? (await tf.max(tf.abs(g)).data())[0]! : 0;
      if (!(peak > 0)) dead.push(w.originalName);
    }
    expect(dead, 'weights without gradient').toEqual([]);
    tf.dispose([x, band, labels, edgeTarget, value, grads]);
    model.dispose();
  });

  it('saves and reloads with identical outputs and its configuration; no leak; same as cpu', async () => {
    const model = createBefunet(SMALL);
    const x = image(1);
    const [before] = model.predict(x) as tf.Tensor[];
    const reloaded = await saveAndReload(model);
    expect(befunetConfigOf(reloaded)).toEqual(SMALL);
    const [after] = reloaded.predict(x) as tf.Tensor[];
    await expectClose(after!, before!, TOLERANCE.exact, 'reloaded logits');
    await expectNoLeak(() => model.predict(x));

    const weights = await Promise.all(
      model.getWeights().map(async (w) => ({ shape: w.shape, values: await w.data() })),
    );
    const here = await before!.data();
    const onCpu = await runOnBackend('cpu', async () => {
      const m = createBefunet(SMALL);
      m.setWeights(weights.map((w) => tf.tensor(w.values as Float32Array, w.shape)));
      const [logits] = m.predict(image(1)) as tf.Tensor[];
      const values = await logits!.data();
      m.dispose();
      return values;
    });
    expect(closeness(here, onCpu, TOLERANCE.layer).mismatches).toBe(0);
    tf.dispose([x, before, after]);
    model.dispose();
    reloaded.dispose();
  });
});
