/**
 * One entry point for 2-D image files: the format is told by the file's magic bytes, not its
 * name. Returns interleaved samples as float32 in 0..1 (8-bit divided by 255, 16-bit by 65535).
 */
import { FileFormatError } from '@befunet/common';
import { decodePng, isPng } from './png.js';

export interface DecodedImage {
  /** Row-major [height, width, channels], 0..1. */
  data: Float32Array;
  height: number;
  width: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

/** True for the start of a JPEG file (SOI marker FF D8 FF). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decodes a PNG or JPEG file's bytes; `source` names the file in errors. */
export function decodeImage(bytes: Uint8Array, source = '<image>'): DecodedImage {
  if (isPng(bytes)) {
    const png = decodePng(bytes, source);
    const scale = 1 / (png.bitDepth === 16 ? 65535 : 2 ** png.bitDepth - 1);
    const data = new Float32Array(png.data.length);
    for (let i = 0; i < data.length; i++) data[i] = png.data[i]! * scale;
    return { data, height: png.height, width: png.width, channels: png.channels };
  }
  if (isJpeg(bytes)) throw new FileFormatError(source, 'JPEG is not supported yet');
  throw new FileFormatError(source, 'not a PNG or JPEG file (unknown magic bytes)');
}
