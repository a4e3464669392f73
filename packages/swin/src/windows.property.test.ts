import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cyclicShift } from './cyclic-shift.js';
import { windowPartition, windowReverse } from './windows.js';

/**
 * Properties of the window geometry for any grid, window and shift (issue 28): the partition puts
 * x[b, i, j, c] at window b nW + (i / M)(W / M) + j / M, position (i mod M, j mod M) (the official
 * `window_partition` order, written out here independently), the reverse undoes it, and the cyclic
 * shift by s moves x[i, j] to [(i + s) mod H, (j + s) mod W] and is undone by -s.
 */
const geometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    window: fc.integer({ min: 1, max: 5 }),
    rows: fc.integer({ min: 1, max: 3 }),
    cols: fc.integer({ min: 1, max: 3 }),
    channels: fc.integer({ min: 1, max: 3 }),
  })
  .map((g) => ({ ...g, h: g.rows * g.window, w: g.cols * g.window }));

/** x[b, i, j, c] = its own flat index, so every value says where it came from. */
const indexTensor = (b: number, h: number, w: number, c: number) =>
  tf.reshape(tf.range(0, b * h * w * c, 1, 'float32'), [b, h, w, c]) as tf.Tensor4D;

const RUNS = { numRuns: 40, seed: 20261207 };

describe('window partition (any grid, window, batch, channels)', () => {
  it('puts every value where the partition formula says, and the reverse gives the map back', async () => {
    await fc.assert(
      fc.asyncProperty(geometry, async ({ batch, window: m, h, w, channels }) => {
        const x = indexTensor(batch, h, w, channels);
        const windows = windowPartition(x, m);
        const back = windowReverse(windows, m, h, w);
        const got = await windows.data();
        const perImage = (h / m) * (w / m);
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < h; i++)
            for (let j = 0; j < w; j++)
              for (let c = 0; c < channels; c++) {
                const k = b * perImage + Math.floor(i / m) * (w / m) + Math.floor(j / m);
                const at = ((k * m + (i % m)) * m + (j % m)) * channels + c;
                expect(got[at]).toBe(((b * h + i) * w + j) * channels + c);
              }
        expect(Array.from(await back.data())).toEqual(Array.from(await x.data()));
        tf.dispose([x, windows, back]);
      }),
      RUNS,
    );
  });
});

describe('cyclic shift (any grid and shift)', () => {
  it('moves x[i, j] to [(i + s) mod H, (j + s) mod W], and -s undoes it', async () => {
    const shifted = fc.record({ g: geometry, shift: fc.integer({ min: -7, max: 7 }) });
    await fc.assert(
      fc.asyncProperty(shifted, async ({ g: { batch, h, w, channels }, shift }) => {
        const x = indexTensor(batch, h, w, channels);
        const y = cyclicShift(x, shift);
        const back = cyclicShift(y, -shift);
        const got = await y.data();
        const mod = (a: number, n: number) => ((a % n) + n) % n;
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < h; i++)
            for (let j = 0; j < w; j++)
              for (let c = 0; c < channels; c++) {
                const to = ((b * h + mod(i + shift, h)) * w + mod(j + shift, w)) * channels + c;
                expect(got[to]).toBe(((b * h + i) * w + j) * channels + c);
              }
        expect(Array.from(await back.data())).toEqual(Array.from(await x.data()));
        tf.dispose([x, y, back]);
      }),
      RUNS,
    );
  });
});
