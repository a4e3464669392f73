import { ConfigError, ShapeError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '../../testing/src/index.ts';
import { perturbWeights, seededValues } from '../test/reference.js';
import { DlfBlock } from './dlf-block.js';

const ARGS = { largeDim: 4, smallDim: 8, largeHeads: 2, smallHeads: 2, seed: 3 };

function make() {
  const block = new DlfBlock(ARGS);
  const zl = tf.tensor3d(seededValues(2 * 10 * 4, 1), [2, 10, 4]);
  const zs = tf.tensor3d(seededValues(2 * 3 * 8, 2), [2, 3, 8]);
  tf.dispose(block.apply([zl, zs]) as tf.Tensor[]);
  perturbWeights(block);
  return { block, zl, zs };
}

describe('DlfBlock', () => {
  it('keeps both sequences (class token first) at their shapes', () => {
    const { block, zl, zs } = make();
    const [ol, os] = block.apply([zl, zs]) as tf.Tensor[];
    expect(ol!.shape).toEqual([2, 10, 4]);
    expect(os!.shape).toEqual([2, 3, 8]);
  });

  it('moves every patch token of one level when the other level changes', async () => {
    const { block, zl, zs } = make();
    const [base] = block.apply([zl, zs]) as tf.Tensor[];
    // Change only the small level's patch tokens (rows 1..), not its class token.
    const zs2 = tf.concat(
      [tf.slice(zs, [0, 0, 0], [-1, 1, -1]), tf.mul(tf.slice(zs, [0, 1, 0], [-1, -1, -1]), -1)],
      1,
    );
    const [moved] = block.apply([zl, zs2]) as tf.Tensor[];
    const perToken = tf.max(tf.abs(tf.sub(moved!, base!)), -1);
    expect((await tf.min(perToken).data())[0]).toBeGreaterThan(1e-4);
  });

  it('does not leak', async () => {
    const { block, zl, zs } = make();
    await expectNoLeak(() => block.apply([zl, zs]));
  });

  it('rejects wrong widths and a missing mixing encoder', () => {
    const { block, zl } = make();
    expect(() => block.apply([zl, tf.zeros([2, 3, 4])])).toThrow(ShapeError);
    expect(() => new DlfBlock({ ...ARGS, mixDepth: 0 })).toThrow(ConfigError);
  });
});
