import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segment } from '../src/inference/segment.js';
import { createBefunet } from '../src/model/befunet.js';
import { befunetConfig } from '../src/model/config.js';
import { BAD_INPUT_CASES, badInputModel, formatBadInputTable, runBadInputCases } from './bad-input-cases.js';

describe('bad inputs', () => {
  let model: tfl.LayersModel;
  beforeAll(() => {
    model = badInputModel();
  });
  afterAll(() => model.dispose());

  it.each(BAD_INPUT_CASES.map((c) => [`${c.entryPoint}: ${c.case}`, c] as const))(
    '%s raises its typed error with a message naming the problem',
    async (_, c) => {
      const [outcome] = await runBadInputCases(model, [c]);
      expect(outcome!.errorClass).toBe(c.error.name);
      expect(outcome!.message).toMatch(c.message);
      expect(outcome!.ok).toBe(true);
    },
  );

  it('leave no tensor behind', async () => {
    const before = tf.memory().numTensors;
    await runBadInputCases(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('print as a markdown table with one row per case', async () => {
    const outcomes = await runBadInputCases(model, BAD_INPUT_CASES.slice(0, 2));
    const table = formatBadInputTable(outcomes).split('\n');
    expect(table[0]).toBe('| case | entry point | error class | message |');
    expect(table).toHaveLength(2 + 2);
    expect(table[2]).toBe(
      '| image holds NaN | `segment` | InvalidValueError | images contain NaN or infinite values |',
    );
  });

  it('accepts grids the windows do not divide: padded, padding masked, finite logits', async () => {
    // 32 px: LCAF grids 8, 4, 2, 1 against a window of 3 (Swin and LCAF pad to whole windows).
    const padded = createBefunet(befunetConfig('tiny', { imageSize: 32, lcaf: { window: 3 } }));
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 3);
    const y = await segment(padded, x);
    expect(y.shape).toEqual([1, 32, 32, 4]);
    expect((await y.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, y]);
    padded.dispose();
  });
});
