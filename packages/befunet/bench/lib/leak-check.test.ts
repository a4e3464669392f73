import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatLeakTable, runLeakCheck } from './leak-check.js';

describe('runLeakCheck (short)', () => {
  it('keeps the tensor count flat over training steps and predictions, and leaves nothing behind', async () => {
    const before = tf.memory().numTensors;
    const result = await runLeakCheck({ steps: 3, predictions: 3, size: 32, batch: 1 });
    expect(result.phases.map((p) => p.name)).toEqual(['training', 'prediction']);
    for (const p of result.phases) {
      expect(p.iterations).toBe(3);
      expect(p.end.numTensors, `${p.name} tensors`).toBe(p.start.numTensors);
      expect(p.end.numBytes, `${p.name} bytes`).toBe(p.start.numBytes);
    }
    // Model, optimizer slots and caches are disposed at the end.
    expect(tf.memory().numTensors).toBe(before);
    const table = formatLeakTable(result).split('\n');
    expect(table[2]).toMatch(
      /^\| phase \| iterations \| tensors start \| tensors end \| bytes start \| bytes end/,
    );
    expect(table).toHaveLength(6);
  });
});
