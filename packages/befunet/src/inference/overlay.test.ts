import { ConfigError, InvalidValueError, ShapeError } from '@befunet/common';
import { decodePng } from '@befunet/io';
import { expectError } from '@befunet/testing';
import { describe, expect, it } from 'vitest';
import { CLASS_PALETTE, classLegend, formatLegend } from './class-palette.js';
import { OVERLAY_GAP, renderOverlay } from './overlay.js';

/** A 5 x 6 grey ramp, and labels: a 3 x 3 square of class 2 with class 1 in its first row's left pixel. */
const [H, W] = [5, 6];
const grey = Float32Array.from({ length: H * W }, (_, i) => i / (H * W - 1));
const image = { data: grey, height: H, width: W, channels: 1 };
const labels = new Int32Array(H * W);
for (let y = 1; y <= 3; y++) for (let x = 2; x <= 4; x++) labels[y * W + x] = 2;
labels[0] = 1;

/** Independent alpha blending: round((1 - a) * 255 v + a * colour) where labelled, else round(255 v). */
function blended(v: number, k: number, alpha: number): number[] {
  const base = Math.round(v * 255);
  if (k === 0) return [base, base, base];
  const colour = CLASS_PALETTE[k - 1]!;
  return colour.map((c) => Math.round((1 - alpha) * base + alpha * c));
}

function pixel(rgb: Uint8Array, width: number, y: number, x: number): number[] {
  return Array.from(rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
}

describe('renderOverlay', () => {
  it('blends each class colour with the image at alpha and leaves the background as the image', () => {
    for (const alpha of [0.5, 0.3, 1]) {
      const overlay = renderOverlay(image, labels, { alpha });
      expect([overlay.width, overlay.height]).toEqual([W, H]);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = y * W + x;
          expect(pixel(overlay.rgb, W, y, x), `alpha ${alpha} (${x}, ${y})`).toEqual(
            blended(grey[i]!, labels[i]!, alpha),
          );
        }
      }
      // The PNG holds the same pixels.
      const png = decodePng(overlay.png);
      expect([png.width, png.height, png.channels, png.bitDepth]).toEqual([W, H, 3, 8]);
      expect(Array.from(png.data)).toEqual(Array.from(overlay.rgb));
    }
  });

  it('uses the colours of RGB images and ignores their alpha channel', () => {
    const rgba = Float32Array.from({ length: 2 * 4 }, (_, i) => [0.1, 0.6, 1, 0.2][i % 4]!);
    const overlay = renderOverlay({ data: rgba, height: 1, width: 2, channels: 4 }, [0, 3], { alpha: 0.25 });
    expect(pixel(overlay.rgb, 2, 0, 0)).toEqual([26, 153, 255]);
    const c = CLASS_PALETTE[2]!;
    expect(pixel(overlay.rgb, 2, 0, 1)).toEqual(
      [26, 153, 255].map((b, k) => Math.round(0.75 * b + 0.25 * c[k]!)),
    );
  });

  it('draws only region boundaries in contour mode (opaque by default)', () => {
    const overlay = renderOverlay(image, labels, { mode: 'contour' });
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        // The square's ring is drawn, its centre (3, 2) is not; the lone class-1 pixel borders
        // background on the right and below.
        const inSquare = y >= 1 && y <= 3 && x >= 2 && x <= 4;
        const ring = inSquare && !(y === 2 && x === 3);
        const k = ring ? 2 : y === 0 && x === 0 ? 1 : 0;
        expect(pixel(overlay.rgb, W, y, x), `(${x}, ${y})`).toEqual(blended(grey[y * W + x]!, k, 1));
      }
    }
  });

  it('puts the ground truth to the right of the prediction, white columns apart', () => {
    const truth = new Int32Array(H * W).fill(3);
    const overlay = renderOverlay(image, labels, { groundTruth: truth, alpha: 0.5 });
    expect(overlay.width).toBe(2 * W + OVERLAY_GAP);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = grey[y * W + x]!;
        expect(pixel(overlay.rgb, overlay.width, y, x)).toEqual(blended(v, labels[y * W + x]!, 0.5));
        expect(pixel(overlay.rgb, overlay.width, y, W + OVERLAY_GAP + x)).toEqual(blended(v, 3, 0.5));
      }
      for (let g = 0; g < OVERLAY_GAP; g++)
        expect(pixel(overlay.rgb, overlay.width, y, W + g)).toEqual([255, 255, 255]);
    }
    // The legend covers the largest label of both panels.
    expect(overlay.legend.map((e) => e.classId)).toEqual([1, 2, 3]);
  });

  it('magnifies by an integer scale: each pixel becomes a scale x scale block of its blended colour', () => {
    const overlay = renderOverlay(image, labels, { alpha: 0.5, scale: 3 });
    expect([overlay.width, overlay.height]).toEqual([3 * W, 3 * H]);
    for (let y = 0; y < 3 * H; y++) {
      for (let x = 0; x < 3 * W; x++) {
        const i = Math.floor(y / 3) * W + Math.floor(x / 3);
        expect(pixel(overlay.rgb, overlay.width, y, x)).toEqual(blended(grey[i]!, labels[i]!, 0.5));
      }
    }
    expect(decodePng(overlay.png).width).toBe(3 * W);
    expect(() => renderOverlay(image, labels, { scale: 1.5 })).toThrow(/scale must be an integer in 1\.\.64/);
  });

  it('names each problem with the inputs', () => {
    expectError(
      () => renderOverlay(image, labels.subarray(1)),
      ShapeError,
      /labels has 29 values, the image 30 pixels/,
    );
    expectError(
      () => renderOverlay(image, labels, { groundTruth: [1] }),
      ShapeError,
      /groundTruth has 1 values/,
    );
    const negative = Int32Array.from(labels);
    negative[4] = -1;
    expectError(
      () => renderOverlay(image, negative),
      InvalidValueError,
      /labels\[4\] = -1 is not a class id/,
    );
    expectError(() => renderOverlay(image, labels, { alpha: 2 }), ConfigError, /alpha must be in \[0, 1\]/);
    expectError(() => renderOverlay({ ...image, channels: 3 }, labels), ShapeError, /1\.\.4 channels/);
    expectError(() => renderOverlay({ ...image, height: 0, data: [] }, []), ShapeError, /empty/);
    const nan = Float32Array.from(grey);
    nan[7] = Number.NaN;
    expectError(
      () => renderOverlay({ ...image, data: nan }, labels),
      InvalidValueError,
      /pixel 7 is not finite/,
    );
  });
});

describe('classLegend', () => {
  it('lists classes 1..K-1 with distinct colours, hex codes and names', () => {
    const legend = classLegend(4, ['background', 'liver']);
    expect(legend).toEqual([
      { classId: 1, name: 'liver', color: [230, 25, 75], hex: '#e6194b' },
      { classId: 2, name: 'class 2', color: [60, 180, 75], hex: '#3cb44b' },
      { classId: 3, name: 'class 3', color: [255, 225, 25], hex: '#ffe119' },
    ]);
    expect(formatLegend(legend).split('\n')[0]).toBe('  1  #e6194b  liver');
    const all = new Set(CLASS_PALETTE.map((c) => c.join(',')));
    expect(all.size).toBe(CLASS_PALETTE.length);
    // Past the palette the colours repeat.
    expect(classLegend(22)[20]!.color).toEqual(CLASS_PALETTE[0]);
    expectError(() => classLegend(0), ConfigError, /classes must be a positive integer/);
  });
});
