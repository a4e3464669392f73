import { ConfigError, InvalidValueError, ShapeError } from '@befunet/common';
import { closeness, TOLERANCE } from '@befunet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  argmax,
  pointwiseModel,
  pointwiseProbabilities,
  randomValues,
  tinyModel,
} from './__fixtures__/reference-models.js';
import { predictImage } from './predict-image.js';

const tiny = tinyModel(4);
afterAll(() => tiny.dispose());

describe('predictImage', () => {
  it('labels each pixel of an image of any size with its most probable class', async () => {
    const [height, width] = [40, 50];
    const image = { data: randomValues(height * width, 31), height, width, channels: 1 };
    const result = await predictImage(tiny, image, { returnProbabilities: true });
    expect([result.height, result.width, result.classes]).toEqual([height, width, 4]);
    const p = result.probabilities!;
    expect(p.length).toBe(height * width * 4);
    for (let i = 0; i < height * width; i++) {
      const pixel = p.subarray(4 * i, 4 * i + 4);
      expect(Math.abs(pixel.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(result.labels[i]).toBe(argmax(pixel));
    }
    expect(new Set(result.labels).size, 'classes used').toBeGreaterThan(1);
    expect((await predictImage(tiny, image)).probabilities).toBeUndefined();
  });

  it('thresholds the foreground of a single-logit model, tiled or resized', async () => {
    const kernel = [[3], [-2], [1]];
    const bias = [-0.5];
    const model = pointwiseModel(32, kernel, bias);
    for (const [mode, height, width] of [
      ['sliding-window', 45, 37],
      ['resize', 32, 32],
    ] as const) {
      const rgb = randomValues(height * width * 3, 37);
      for (const threshold of [0.5, 0.3]) {
        const result = await predictImage(
          model,
          { data: rgb, height, width, channels: 3 },
          { mode, threshold },
        );
        expect(result.classes).toBe(2);
        const expected = Array.from({ length: height * width }, (_, i) =>
          pointwiseProbabilities(kernel, bias, rgb.subarray(3 * i, 3 * i + 3))[1]! > threshold ? 1 : 0,
        );
        expect(Array.from(result.labels), `${mode}, threshold ${threshold}`).toEqual(expected);
      }
    }
    // Probabilities as well, against the hand-computed sigmoid.
    const rgb = randomValues(20 * 20 * 3, 41);
    const result = await predictImage(
      model,
      { data: rgb, height: 20, width: 20, channels: 3 },
      { returnProbabilities: true },
    );
    const expected = Array.from({ length: 400 }, (_, i) =>
      pointwiseProbabilities(kernel, bias, rgb.subarray(3 * i, 3 * i + 3)),
    ).flat();
    expect(closeness(result.probabilities!, expected, TOLERANCE.op).mismatches).toBe(0);
    model.dispose();
  });

  it('names the image and the problem', async () => {
    const base = { data: new Float32Array(8 * 8), height: 8, width: 8, channels: 1 };
    const source = 'scan.png';
    const cases: [object, new (m: string) => Error, RegExp][] = [
      [
        { ...base, data: new Float32Array(8 * 8 * 4), channels: 4 },
        ShapeError,
        /image 'scan\.png' has 4 channels; a BEFUnet takes 1 \(grey\) or 3 \(RGB\) \(drop the alpha channel\)/,
      ],
      [
        { ...base, data: new Float32Array(10) },
        ShapeError,
        /image 'scan\.png' has 10 values, 8x8x1 needs 64/,
      ],
      [{ ...base, width: 0, data: [] }, ShapeError, /image 'scan\.png' is empty \(8x0 pixels\)/],
      [{ ...base, height: 2.5 }, ShapeError, /height and width must be integers/],
      [
        { ...base, data: new Float32Array(64).fill(Number.NaN) },
        InvalidValueError,
        /the pixels of image 'scan\.png' contain NaN or infinite values/,
      ],
    ];
    for (const [image, type, message] of cases) {
      const call = predictImage(tiny, image as typeof base, { source });
      await expect(call).rejects.toThrow(type);
      await expect(predictImage(tiny, image as typeof base, { source })).rejects.toThrow(message);
    }
    await expect(predictImage(tiny, base, { threshold: 2 })).rejects.toThrow(ConfigError);
    await expect(predictImage(tiny, base, { overlap: 1 })).rejects.toThrow(/overlap must be in \[0, 1\)/);
    await expect(predictImage(tiny, base, { mode: 'crop' as 'resize' })).rejects.toThrow(/mode must be/);
  });
});
