/**
 * Parity with every value of `official/losses.safetensors` (official BEFUnet / PiDiNet / PyTorch).
 * Inputs are NCHW there; the losses here are channels-last, so logits are transposed to NHWC.
 */
import { fixtureTensor, loadFixture, nchwToNhwc } from '@befunet/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { bceLoss } from './bce-loss.js';
import { bodyLoss } from './body-loss.js';
import { crossEntropyLoss } from './cross-entropy-loss.js';
import { diceCeLoss, OFFICIAL_DICE_CE, officialDiceCeLossFn } from './dice-ce-loss.js';
import { diceLoss } from './dice-loss.js';
import { edgeLoss } from './edge-loss.js';

const FILE = 'official/losses.safetensors';
/** float32 sums of a few hundred terms: relative 1e-5. */
const RTOL = 1e-5;

const fx = loadFixture(FILE);
const scalar = (key: string) => fx.tensors.get(key)!.values[0]!;
const input = (key: string) => fixtureTensor(fx, key);

type Case = { key: string; compute: () => tf.Tensor };

const multiclass = () => ({
  logits: nchwToNhwc(input('multiclass.logits')),
  labels: input('multiclass.labels'),
});
const binary = () => ({
  logits: nchwToNhwc(input('binary.logits')),
  target: nchwToNhwc(input('binary.target')),
});

const CASES: Case[] = [
  {
    key: 'multiclass.dice_loss',
    compute: () => {
      const { logits, labels } = multiclass();
      return diceLoss(labels, logits, { softmax: true, squaredPred: true, batch: true });
    },
  },
  {
    key: 'multiclass.ce_loss',
    compute: () => {
      const { logits, labels } = multiclass();
      return crossEntropyLoss(labels, logits);
    },
  },
  {
    key: 'multiclass.official_total',
    compute: () => {
      const { logits, labels } = multiclass();
      return diceCeLoss(labels, logits, OFFICIAL_DICE_CE);
    },
  },
  {
    key: 'binary.bce_mean',
    compute: () => {
      const { logits, target } = binary();
      return bceLoss(target, logits);
    },
  },
  {
    key: 'binary.dice_loss_smooth1e-5',
    compute: () => {
      const { logits, target } = binary();
      return diceLoss(target, logits, { sigmoid: true, squaredPred: true, batch: true });
    },
  },
  {
    key: 'edge.loss_sum',
    compute: () =>
      edgeLoss(nchwToNhwc(input('edge.soft_label')), nchwToNhwc(input('edge.pred')), {
        lambda: 1.1,
        eta: 0.8,
      }),
  },
];

async function relError(t: tf.Tensor, expected: number): Promise<number> {
  const [v] = await t.data();
  tf.dispose(t);
  return Math.abs(v! - expected) / Math.abs(expected);
}

describe('parity with official/losses.safetensors', () => {
  it('covers every output value of the fixture', () => {
    const outputs = [...fx.tensors.entries()].filter(([, e]) => e.shape.length === 0).map(([k]) => k);
    expect(outputs.sort()).toEqual(CASES.map((c) => c.key).sort());
  });

  for (const c of CASES) {
    it(c.key, async () => {
      const err = await tf.tidy(c.compute);
      expect(await relError(err, scalar(c.key))).toBeLessThan(RTOL);
    });
  }

  // The same values through the other entry points.
  it('multiclass.official_total via officialDiceCeLossFn (a TF.js loss function)', async () => {
    const t = tf.tidy(() => {
      const { logits, labels } = multiclass();
      return officialDiceCeLossFn()(labels, logits);
    });
    expect(await relError(t, scalar('multiclass.official_total'))).toBeLessThan(RTOL);
  });

  it('multiclass.official_total with one-hot labels [B,H,W,C] and index labels [B,H,W,1]', async () => {
    const [a, b] = tf.tidy(() => {
      const { logits, labels } = multiclass();
      const oneHot = tf.oneHot(labels as tf.Tensor3D, 9);
      return [
        diceCeLoss(oneHot, logits, OFFICIAL_DICE_CE),
        diceCeLoss(tf.expandDims(labels, -1), logits, OFFICIAL_DICE_CE),
      ];
    });
    expect(await relError(a!, scalar('multiclass.official_total'))).toBeLessThan(RTOL);
    expect(await relError(b!, scalar('multiclass.official_total'))).toBeLessThan(RTOL);
  });

  it('multiclass: bodyLoss(lambda1 0.4, lambda2 0.6, squared) is the official total', async () => {
    const t = tf.tidy(() => {
      const { logits, labels } = multiclass();
      return bodyLoss(labels, logits, { lambda1: 0.4, lambda2: 0.6, squaredPred: true });
    });
    expect(await relError(t, scalar('multiclass.official_total'))).toBeLessThan(RTOL);
  });

  it('binary: bodyLoss(1, 1, squared) is bce_mean + dice_loss', async () => {
    const t = tf.tidy(() => {
      const { logits, target } = binary();
      return bodyLoss(target, logits, { squaredPred: true });
    });
    expect(await relError(t, scalar('binary.bce_mean') + scalar('binary.dice_loss_smooth1e-5'))).toBeLessThan(
      RTOL,
    );
  });

  it('edge.loss_sum from logits (sigmoid: true) and as a one-map list', async () => {
    const [a, b] = tf.tidy(() => {
      const target = nchwToNhwc(input('edge.soft_label'));
      const p = nchwToNhwc(input('edge.pred'));
      const logits = tf.log(tf.div(p, tf.sub(1, p)));
      return [edgeLoss(target, logits, { sigmoid: true }), edgeLoss(target, [p])];
    });
    expect(await relError(a!, scalar('edge.loss_sum'))).toBeLessThan(1e-4);
    expect(await relError(b!, scalar('edge.loss_sum'))).toBeLessThan(RTOL);
  });
});
