/**
 * The coloured overlay: the picture in grey (or colour), each non-background class blended with its
 * colour, the label map scaled to the picture by nearest neighbour. Plain RGBA bytes for an ImageData.
 */
import { classColor, type Rgb } from '@befunet/core';
import type { Picture } from './picture.js';

/** The colour of class `label` >= 1: the core's palette, so that the page and `befunet` overlays agree. */
export function classColour(label: number): Rgb {
  return classColor(label) ?? [0, 0, 0];
}

/** The label map [size, size] resampled to [height, width] by nearest neighbour (pixel centres). */
export function labelsAt(labels: Int32Array, size: number, width: number, height: number): Int32Array {
  if (width === size && height === size) return labels;
  const out = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const ly = Math.min(size - 1, Math.floor(((y + 0.5) * size) / height));
    for (let x = 0; x < width; x++) {
      out[y * width + x] = labels[ly * size + Math.min(size - 1, Math.floor(((x + 0.5) * size) / width))]!;
    }
  }
  return out;
}

/** RGBA bytes [height, width, 4] of `picture` with `labels` ([size, size]) blended at `opacity`. */
export function overlayRgba(
  picture: Picture,
  labels: Int32Array,
  size: number,
  opacity = 0.45,
): Uint8ClampedArray<ArrayBuffer> {
  const { data, width, height, channels } = picture;
  const scaled = labelsAt(labels, size, width, height);
  const out = new Uint8ClampedArray(new ArrayBuffer(width * height * 4));
  for (let p = 0; p < width * height; p++) {
    const label = scaled[p]!;
    for (let c = 0; c < 3; c++) {
      const value = 255 * data[p * channels + (channels === 3 ? c : 0)]!;
      out[p * 4 + c] = label === 0 ? value : (1 - opacity) * value + opacity * classColour(label)[c]!;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}
