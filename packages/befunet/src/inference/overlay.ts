/**
 * Overlays of labels on an image, as an 8-bit RGB PNG: each pixel of class k >= 1 becomes
 * round((1 - alpha) * image + alpha * colour(k)) per channel, the background stays the image.
 * 'fill' colours every labelled pixel; 'contour' only the boundary ones (a pixel whose 4-neighbour
 * inside the image has another label). With a ground truth, the prediction (left) and the ground
 * truth (right) sit side by side, `OVERLAY_GAP` white columns apart.
 */
import { ConfigError, InvalidValueError, ShapeError } from '@befunet/common';
import { encodePng } from '@befunet/io';
import { classColor, classLegend, type LegendEntry } from './class-palette.js';
import type { ImageInput } from './image-input.js';

/** White columns between the prediction and the ground truth. */
export const OVERLAY_GAP = 4;

export interface OverlayOptions {
  /** 'fill' (default) or 'contour'. */
  mode?: 'fill' | 'contour';
  /** Opacity of the class colours in [0, 1]. Default 0.5 for 'fill', 1 for 'contour'. */
  alpha?: number;
  /** Ground-truth labels (`[y * width + x]`): drawn the same way to the right of the prediction. */
  groundTruth?: ArrayLike<number>;
  /** Classes in the legend. Default: the largest label + 1 (at least 2). */
  classes?: number;
  /** Class names for the legend, `names[k]` for class k. */
  names?: readonly string[];
  /** Integer magnification: each pixel drawn as a scale x scale block (for small images). Default 1. */
  scale?: number;
}

export interface Overlay {
  readonly width: number;
  readonly height: number;
  /** 8-bit RGB, `rgb[(y * width + x) * 3 + c]`. */
  readonly rgb: Uint8Array;
  /** The same as a PNG file. */
  readonly png: Uint8Array;
  readonly legend: LegendEntry[];
}

/** Draws `labels` (`[y * width + x]`, class ids) over `image` (values in [0, 1], grey or RGB, alpha ignored). */
export function renderOverlay(
  image: ImageInput,
  labels: ArrayLike<number>,
  options: OverlayOptions = {},
): Overlay {
  const { height, width, channels } = image;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new ShapeError(`overlay: image is empty or not whole (${height}x${width} pixels)`);
  }
  if (![1, 2, 3, 4].includes(channels) || image.data.length !== height * width * channels) {
    throw new ShapeError(
      `overlay: image must be ${height}x${width} with 1..4 channels, got ${image.data.length} values for ${channels} channels`,
    );
  }
  const mode = options.mode ?? 'fill';
  if (mode !== 'fill' && mode !== 'contour')
    throw new ConfigError(`overlay: mode must be 'fill' or 'contour', got '${mode}'`);
  const alpha = options.alpha ?? (mode === 'fill' ? 0.5 : 1);
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1)
    throw new ConfigError(`overlay: alpha must be in [0, 1], got ${alpha}`);
  const base = baseRgb(image);
  const panels = [{ what: 'labels', values: labels }];
  if (options.groundTruth) panels.push({ what: 'groundTruth', values: options.groundTruth });
  let largest = 1;
  for (const { what, values } of panels)
    largest = Math.max(largest, checkLabels(values, height * width, what));
  const outWidth = panels.length * width + (panels.length - 1) * OVERLAY_GAP;
  const rgb = new Uint8Array(height * outWidth * 3).fill(255);
  panels.forEach(({ values }, p) => {
    const drawn = mode === 'contour' ? contourMask(values, height, width) : undefined;
    const left = p * (width + OVERLAY_GAP);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const color = drawn && !drawn[i] ? undefined : classColor(values[i]!);
        const o = (y * outWidth + left + x) * 3;
        for (let c = 0; c < 3; c++) {
          const b = base[i * 3 + c]!;
          rgb[o + c] = color ? Math.round((1 - alpha) * b + alpha * color[c]!) : b;
        }
      }
    }
  });
  const legend = classLegend(options.classes ?? largest + 1, options.names);
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) {
    throw new ConfigError(`overlay: scale must be an integer in 1..64, got ${scale}`);
  }
  const big = scale === 1 ? rgb : magnify(rgb, height, outWidth, scale);
  const [w, h] = [outWidth * scale, height * scale];
  return {
    width: w,
    height: h,
    rgb: big,
    png: encodePng({ width: w, height: h, channels: 3, data: big }),
    legend,
  };
}

/** RGB pixels magnified by an integer factor (nearest neighbour). */
function magnify(rgb: Uint8Array, height: number, width: number, scale: number): Uint8Array {
  const out = new Uint8Array(rgb.length * scale * scale);
  const outWidth = width * scale;
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < outWidth; x++) {
      const from = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 3;
      out.set(rgb.subarray(from, from + 3), (y * outWidth + x) * 3);
    }
  }
  return out;
}

/** The image as 8-bit RGB: values in [0, 1] scaled by 255 (clamped), grey repeated. */
function baseRgb(image: ImageInput): Uint8Array {
  const { data, height, width, channels } = image;
  const grey = channels < 3;
  const out = new Uint8Array(height * width * 3);
  for (let i = 0; i < height * width; i++) {
    for (let c = 0; c < 3; c++) {
      const v = data[i * channels + (grey ? 0 : c)]!;
      if (!Number.isFinite(v))
        throw new InvalidValueError(`overlay: image value ${v} at pixel ${i} is not finite`);
      out[i * 3 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return out;
}

/** Checks that `labels` has `count` non-negative integers; returns the largest. */
function checkLabels(labels: ArrayLike<number>, count: number, what: string): number {
  if (labels.length !== count)
    throw new ShapeError(`overlay: ${what} has ${labels.length} values, the image ${count} pixels`);
  let largest = 0;
  for (let i = 0; i < count; i++) {
    const k = labels[i]!;
    if (!Number.isInteger(k) || k < 0) {
      throw new InvalidValueError(`overlay: ${what}[${i}] = ${k} is not a class id (a non-negative integer)`);
    }
    largest = Math.max(largest, k);
  }
  return largest;
}

/** Pixels with a 4-neighbour (inside the image) of another label: the boundary of each region. */
function contourMask(labels: ArrayLike<number>, height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = labels[y * width + x];
      const differs = (yy: number, xx: number) =>
        yy >= 0 && yy < height && xx >= 0 && xx < width && labels[yy * width + xx] !== k;
      mask[y * width + x] =
        differs(y - 1, x) || differs(y + 1, x) || differs(y, x - 1) || differs(y, x + 1) ? 1 : 0;
    }
  }
  return mask;
}
