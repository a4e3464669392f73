/**
 * A picture as the page handles it: row-major interleaved samples in 0..1 with 1 (grey) or 3 (RGB)
 * channels, made from a decoded PNG/JPEG (alpha dropped) or from a NIfTI slice (windowed).
 */
import { type DecodedImage, type NiftiSlice, type NiftiVolume, windowIntensity } from '@befunet/core';

export interface Picture {
  /** Row-major [height, width, channels], 0..1. */
  data: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Drops the alpha channel of grey+alpha and RGBA images. */
export function pictureFromImage(image: DecodedImage): Picture {
  const { width, height, channels, data } = image;
  if (channels === 1 || channels === 3) return { data, width, height, channels };
  const kept = channels === 2 ? 1 : 3;
  const out = new Float32Array(width * height * kept);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < kept; c++) out[p * kept + c] = data[p * channels + c]!;
  }
  return { data: out, width, height, channels: kept };
}

/**
 * The intensity window of a volume: the abdominal CT window -125..275 HU (the official BEFUnet's
 * Synapse preprocessing) when the volume looks like CT in Hounsfield units (minimum below -500),
 * else the volume's own minimum..maximum.
 */
export function volumeWindow(volume: NiftiVolume): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of volume.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < -500) return [-125, 275];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** A NIfTI slice (`data[x + width * y]`, which is row-major already) windowed to 0..1. */
export function pictureFromSlice(slice: NiftiSlice, window: [number, number]): Picture {
  return {
    data: windowIntensity(slice.data, window[0], window[1]),
    width: slice.width,
    height: slice.height,
    channels: 1,
  };
}
