/**
 * The coloured overlay: the picture in grey (or colour), each non-background class blended with its
 * colour, the label map scaled to the picture by nearest neighbour. Plain RGBA bytes for an ImageData.
 */
import type { Picture } from './picture.js';

/** Colours of classes 1.. (class 0, the background, is left uncoloured); cycled beyond 12 classes. */
export const CLASS_COLOURS: readonly (readonly [number, number, number])[] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [255, 225, 25],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [170, 110, 40],
];

export function classColour(label: number): readonly [number, number, number] {
  return CLASS_COLOURS[(label - 1) % CLASS_COLOURS.length]!;
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
