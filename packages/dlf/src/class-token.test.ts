import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, TOLERANCE } from '../../testing/src/index.ts';
import { layerNormRef, perturbWeights, seededValues, toRows, weightsOf } from '../test/reference.js';
import { ClassTokenEmbed } from './class-token.js';

describe('ClassTokenEmbed', () => {
  it('prepends GAP(LN(P)) and adds one position row per token', async () => {
    const [b, n, c] = [2, 6, 4];
    const embed = new ClassTokenEmbed({ dim: c, numTokens: n, seed: 2 });
    const xs = seededValues(b * n * c, 9);
    const x = tf.tensor3d(xs, [b, n, c]);
    const y0 = embed.apply(x) as tf.Tensor;
    expect(y0.shape).toEqual([b, n + 1, c]);
    perturbWeights(embed);
    const w = await weightsOf(embed);
    const pos = w.get('pos_embed')!;
    expect(embed.countParams()).toBe((n + 1) * c + 2 * c);
    const expected: number[] = [];
    for (let i = 0; i < b; i++) {
      const p = toRows(xs, n, c, i * n * c);
      const normed = layerNormRef(p, w.get('norm/gamma')!, w.get('norm/beta')!);
      const cls = Array.from({ length: c }, (_, j) => normed.reduce((a, r) => a + r[j]!, 0) / n);
      [cls, ...p].forEach((row, t) => {
        expected.push(...row.map((v, j) => v + pos[t * c + j]!));
      });
    }
    await expectClose(embed.apply(x) as tf.Tensor, expected, TOLERANCE.op, 'embedded tokens');
    await expectNoLeak(() => embed.apply(x));
  });

  it('gives the same position embedding for the same seed and a different one for another seed', async () => {
    const init = async (seed: number) => {
      const e = new ClassTokenEmbed({ dim: 3, numTokens: 2, seed });
      e.apply(tf.zeros([1, 2, 3]));
      return (await weightsOf(e)).get('pos_embed')!;
    };
    const [a, a2, b] = [await init(1), await init(1), await init(2)];
    expect(Array.from(a)).toEqual(Array.from(a2));
    expect(Array.from(a)).not.toEqual(Array.from(b));
    // truncated normal, std 0.02: every value within 2 std.
    expect(Math.max(...Array.from(a).map(Math.abs))).toBeLessThanOrEqual(0.04 + 1e-6);
  });
});
