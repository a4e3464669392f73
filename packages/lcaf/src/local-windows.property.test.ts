import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cropToGrid,
  cyclicShift,
  padToWindows,
  windowGeometry,
  windowPartition,
  windowReverse,
} from './local-windows.js';

/**
 * For any grid, window and shift (issue 28): padding then cropping, shifting then shifting back,
 * and partitioning then reversing each give the map back exactly; padding adds only zeros at the
 * bottom and right, up to whole windows; every real token lands in exactly one window.
 */
const layout = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    height: fc.integer({ min: 1, max: 13 }),
    width: fc.integer({ min: 1, max: 13 }),
    windowH: fc.integer({ min: 1, max: 7 }),
    windowW: fc.integer({ min: 1, max: 7 }),
    channels: fc.integer({ min: 1, max: 3 }),
    shiftFractionH: fc.double({ min: 0, max: 0.999, noNaN: true }),
    shiftFractionW: fc.double({ min: 0, max: 0.999, noNaN: true }),
  })
  .map((l) => ({
    ...l,
    shift: [Math.floor(l.shiftFractionH * l.windowH), Math.floor(l.shiftFractionW * l.windowW)] as [
      number,
      number,
    ],
  }));

const RUNS = { numRuns: 60, seed: 20261207 };

/** Values 1..n (no zero, so padding's zeros are told apart). */
const counting = (b: number, h: number, w: number, c: number) =>
  tf.reshape(tf.range(1, b * h * w * c + 1, 1, 'float32'), [b, h, w, c]) as tf.Tensor4D;

describe('local window geometry (any grid, window, shift)', () => {
  it('pad/crop, shift/unshift and partition/reverse are inverses; padding is zeros to whole windows', async () => {
    await fc.assert(
      fc.asyncProperty(layout, async ({ batch, height, width, windowH, windowW, channels, shift }) => {
        const g = windowGeometry(height, width, [windowH, windowW], shift);
        expect(g.paddedH % windowH).toBe(0);
        expect(g.paddedH - height).toBeLessThan(windowH);
        expect(g.paddedW - width).toBeLessThan(windowW);
        const x = counting(batch, height, width, channels);
        const padded = padToWindows(x, g);
        expect(padded.shape).toEqual([batch, g.paddedH, g.paddedW, channels]);
        const values = await padded.data();
        const real = values.filter((v) => v !== 0);
        expect(real.length).toBe(batch * height * width * channels); // only zeros were added
        const shifted = cyclicShift(padded, g);
        const windows = windowPartition(shifted, g);
        expect(windows.shape).toEqual([batch * g.windowsH * g.windowsW, windowH * windowW, channels]);
        const inWindows = (await windows.data()).filter((v) => v !== 0).sort((a, b) => a - b);
        expect(inWindows).toEqual(Float32Array.from(real).sort((a, b) => a - b)); // each token once
        const back = cropToGrid(cyclicShift(windowReverse(windows, g), g, true), g);
        expect(Array.from(await back.data())).toEqual(Array.from(await x.data()));
        tf.dispose([x, padded, shifted, windows, back]);
      }),
      RUNS,
    );
  });
});
