/**
 * One entry point for 2-D image files: the format is told by the file's magic bytes, not its
 * name. Returns interleaved samples as float32 in 0..1 (8-bit divided by 255, 16-bit by 65535).
 */
import { FileFormatError } from './errors.js';
import { decodeJpeg, isJpeg } from './jpeg.js';
import { decodePng, isPng } from './png.js';

export interface DecodedImage {
  /** Row-major [height, width, channels], 0..1. */
  data: Float32Array;
  height: number;
  width: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

/** Decodes a PNG or JPEG file's bytes; `source` names the file in errors. */
export function decodeImage(bytes: Uint8Array, source = '<image>'): DecodedImage {
  if (isPng(bytes)) {
    const png = decodePng(bytes, source);
    const scale = 1 / (png.bitDepth === 16 ? 65535 : 2 ** png.bitDepth - 1);
    return { data: scaled(png.data, scale), height: png.height, width: png.width, channels: png.channels };
  }
  if (isJpeg(bytes)) {
    const jpeg = decodeJpeg(bytes, source);
    return {
      data: scaled(jpeg.data, 1 / 255),
      height: jpeg.height,
      width: jpeg.width,
      channels: jpeg.channels,
    };
  }
  throw new FileFormatError(source, 'not a PNG or JPEG file (unknown magic bytes)');
}

function scaled(samples: Uint8Array | Uint16Array, scale: number): Float32Array {
  const data = new Float32Array(samples.length);
  for (let i = 0; i < data.length; i++) data[i] = samples[i]! * scale;
  return data;
}
