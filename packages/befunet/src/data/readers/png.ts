/**
 * PNG (ISO/IEC 15948, W3C PNG 2nd edition) decoding and encoding over Uint8Array, without DOM or
 * Node APIs, for image/mask datasets (ISIC style) and overlay output.
 *
 * Decoding: images of every colour type (grey, grey+alpha, RGB, RGBA, palette)
 * and bit depth (1, 2, 4, 8, 16), the five scanline filters, Adam7 interlacing, CRC-32 of every
 * chunk checked.
 * Grey below 8 bits is scaled to 0..255 (a 1-bit mask becomes 0/255); palette images become RGB,
 * or RGBA when a tRNS chunk gives the palette alpha; grey and RGB images with a tRNS colour key
 * gain an alpha channel. Other ancillary chunks (gamma, ICC, text) are ignored.
 * Encoding: 8- or 16-bit grey, grey+alpha, RGB or RGBA, filter type 0, LZ77 + fixed Huffman.
 */
import { ConfigError, crc32, FileFormatError } from '@befunet/common';
import { zlibCompress, zlibDecompress } from '@befunet/io';

/** A decoded image: row-major, channels interleaved (HWC). */
export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  /** 8 (data is a Uint8Array) or 16 (data is a Uint16Array). */
  readonly bitDepth: 8 | 16;
  readonly data: Uint8Array | Uint16Array;
}

/** What `encodePng` takes: 8-bit pixels as a Uint8Array, 16-bit pixels as a Uint16Array. */
export interface PngInput {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array | Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel of each colour type. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Allowed bit depths of each colour type (PNG spec, table 11.1). */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** The largest image decoded: 2^28 pixels (16384 x 16384), which bounds the allocation. */
export const PNG_MAX_PIXELS = 2 ** 28;

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Decodes the PNG file `bytes`; `source` names it in error messages. */
export function decodePng(bytes: Uint8Array, source = '<png>'): PngImage {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `PNG: ${problem}`);
  };
  if (!isPng(bytes)) fail('missing PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header:
    | { width: number; height: number; bitDepth: number; colorType: number; interlaced: boolean }
    | undefined;
  let palette: Uint8Array | undefined;
  let paletteAlpha: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) fail(`truncated at byte ${pos} (no IEND chunk)`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`invalid chunk type at byte ${pos + 4}`);
    if (length > 0x7fffffff || pos + 12 + length > bytes.length) {
      fail(`chunk ${type} declares ${length} bytes but only ${bytes.length - pos - 12} remain`);
    }
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    const stored = view.getUint32(pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== stored) fail(`CRC mismatch in chunk ${type}`);
    pos += 12 + length;
    if (!header && type !== 'IHDR') fail(`first chunk is ${type}, not IHDR`);
    switch (type) {
      case 'IHDR': {
        if (header) fail('more than one IHDR chunk');
        if (length !== 13) fail(`IHDR has ${length} bytes, not 13`);
        const d = new DataView(data.buffer, data.byteOffset, 13);
        const width = d.getUint32(0);
        const height = d.getUint32(4);
        const [bitDepth, colorType, compression, filter, interlace] = data.subarray(
          8,
          13,
        ) as unknown as number[];
        if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
          fail(`invalid size ${width}x${height}`);
        }
        if (width * height > PNG_MAX_PIXELS) fail(`${width}x${height} exceeds ${PNG_MAX_PIXELS} pixels`);
        if (!(colorType! in DEPTHS)) fail(`invalid colour type ${colorType}`);
        if (!DEPTHS[colorType!]!.includes(bitDepth!))
          fail(`bit depth ${bitDepth} invalid for colour type ${colorType}`);
        if (compression !== 0) fail(`unknown compression method ${compression}`);
        if (filter !== 0) fail(`unknown filter method ${filter}`);
        if (interlace !== 0 && interlace !== 1) fail(`unknown interlace method ${interlace}`);
        header = { width, height, bitDepth: bitDepth!, colorType: colorType!, interlaced: interlace === 1 };
        break;
      }
      case 'PLTE':
        if (length === 0 || length % 3 !== 0 || length > 768) fail(`PLTE has ${length} bytes`);
        palette = data;
        break;
      case 'tRNS':
        paletteAlpha = data;
        break;
      case 'IDAT':
        idat.push(data);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        // An unknown critical chunk (upper-case first letter) cannot be skipped safely.
        if (type.charCodeAt(0) < 0x61) fail(`unknown critical chunk ${type}`);
    }
  }
  const { width, height, bitDepth, colorType } = header!;
  if (idat.length === 0) fail('no IDAT chunk');
  if (colorType === 3 && !palette) fail('palette image without PLTE chunk');

  const samples = SAMPLES[colorType]!;
  const bitsPerPixel = samples * bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const rowBytesOf = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const stream = concat(idat);
  const format: Format = { bitDepth, colorType, samples, palette, paletteAlpha, fail };
  if (!header!.interlaced) {
    const rowBytes = rowBytesOf(width);
    const raw = zlibDecompress(stream, height * (rowBytes + 1), source);
    const image = toImage(unfilter(raw, height, rowBytes, bpp, fail), width, height, rowBytes, format);
    return withColorKey(image, colorType, bitDepth, paletteAlpha, fail);
  }
  // Adam7: seven sub-images, each filtered on its own, stored one after the other.
  const passes = ADAM7.map(([x0, y0, dx, dy]) => {
    const w = Math.max(0, Math.ceil((width - x0) / dx));
    const h = Math.max(0, Math.ceil((height - y0) / dy));
    return { x0, y0, dx, dy, w, h, rowBytes: rowBytesOf(w) };
  }).filter((p) => p.w > 0 && p.h > 0);
  const raw = zlibDecompress(
    stream,
    passes.reduce((n, p) => n + p.h * (p.rowBytes + 1), 0),
    source,
  );
  let out: PngImage | undefined;
  let offset = 0;
  for (const p of passes) {
    const size = p.h * (p.rowBytes + 1);
    const pixels = unfilter(raw.subarray(offset, offset + size), p.h, p.rowBytes, bpp, fail);
    offset += size;
    const sub = toImage(pixels, p.w, p.h, p.rowBytes, format);
    const c = sub.channels;
    out ??= {
      ...sub,
      width,
      height,
      data: sub.bitDepth === 16 ? new Uint16Array(width * height * c) : new Uint8Array(width * height * c),
    };
    for (let y = 0; y < p.h; y++) {
      for (let x = 0; x < p.w; x++) {
        const to = ((p.y0 + y * p.dy) * width + p.x0 + x * p.dx) * c;
        for (let k = 0; k < c; k++) out.data[to + k] = sub.data[(y * p.w + x) * c + k]!;
      }
    }
  }
  return withColorKey(out!, colorType, bitDepth, paletteAlpha, fail);
}

/**
 * Grey and RGB images with a tRNS chunk (a single transparent colour) gain an alpha channel:
 * 0 where the pixel equals that colour, fully opaque elsewhere.
 */
function withColorKey(
  image: PngImage,
  colorType: number,
  bitDepth: number,
  trns: Uint8Array | undefined,
  fail: (problem: string) => never,
): PngImage {
  if (!trns || (colorType !== 0 && colorType !== 2)) return image;
  const samples = colorType === 0 ? 1 : 3;
  if (trns.length !== 2 * samples) fail(`tRNS has ${trns.length} bytes, expected ${2 * samples}`);
  const mask = bitDepth === 16 ? 0xffff : (1 << bitDepth) - 1;
  // Sub-byte grey was scaled to 0..255, so the key is scaled the same way.
  const scale = bitDepth < 8 ? 255 / mask : 1;
  const key = Array.from(
    { length: samples },
    (_, k) => (((trns[2 * k]! << 8) | trns[2 * k + 1]!) & mask) * scale,
  );
  const opaque = image.bitDepth === 16 ? 0xffff : 0xff;
  const pixels = image.width * image.height;
  const data =
    image.bitDepth === 16 ? new Uint16Array(pixels * (samples + 1)) : new Uint8Array(pixels * (samples + 1));
  for (let i = 0; i < pixels; i++) {
    let match = true;
    for (let k = 0; k < samples; k++) {
      const v = image.data[i * samples + k]!;
      data[i * (samples + 1) + k] = v;
      if (v !== key[k]) match = false;
    }
    data[i * (samples + 1) + samples] = match ? 0 : opaque;
  }
  return { ...image, channels: (samples + 1) as 2 | 4, data };
}

/** Adam7 passes: first column, first row, column step, row step (PNG spec, section 8.2). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Format {
  bitDepth: number;
  colorType: number;
  samples: number;
  palette: Uint8Array | undefined;
  paletteAlpha: Uint8Array | undefined;
  fail: (problem: string) => never;
}

/** Unfiltered rows -> samples: 16-bit joined, sub-byte grey scaled to 0..255, palette expanded. */
function toImage(pixels: Uint8Array, width: number, height: number, rowBytes: number, f: Format): PngImage {
  const { bitDepth, samples } = f;
  if (f.colorType === 3) {
    return expandPalette(pixels, width, height, bitDepth, rowBytes, f.palette!, f.paletteAlpha, f.fail);
  }
  const channels = samples as 1 | 2 | 3 | 4;
  if (bitDepth === 16) {
    const data = new Uint16Array(width * height * samples);
    for (let y = 0, o = 0; y < height; y++) {
      const row = y * rowBytes;
      for (let x = 0; x < width * samples; x++)
        data[o++] = (pixels[row + 2 * x]! << 8) | pixels[row + 2 * x + 1]!;
    }
    return { width, height, channels, bitDepth: 16, data };
  }
  if (bitDepth === 8) return { width, height, channels, bitDepth: 8, data: pixels };
  // Grey at 1, 2 or 4 bits: unpack and scale to 0..255.
  const data = new Uint8Array(width * height);
  const scale = 255 / ((1 << bitDepth) - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = subByte(pixels, y * rowBytes, x, bitDepth) * scale;
  }
  return { width, height, channels: 1, bitDepth: 8, data };
}

/** Encodes an 8-bit (Uint8Array) or 16-bit (Uint16Array) image as PNG. */
export function encodePng(image: PngInput): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ConfigError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (![1, 2, 3, 4].includes(channels))
    throw new ConfigError(`encodePng: channels must be 1..4, got ${channels}`);
  if (!(data instanceof Uint8Array) && !(data instanceof Uint16Array)) {
    throw new ConfigError('encodePng: data must be a Uint8Array (8-bit) or a Uint16Array (16-bit)');
  }
  if (data.length !== width * height * channels) {
    throw new ConfigError(
      `encodePng: data has ${data.length} values, expected ${width}x${height}x${channels} = ${width * height * channels}`,
    );
  }
  const bytesPerSample = data instanceof Uint16Array ? 2 : 1;
  const rowBytes = width * channels * bytesPerSample;
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1) + 1; // filter byte 0 (None) precedes each row
    const rowStart = y * width * channels;
    if (bytesPerSample === 1) raw.set(data.subarray(rowStart, rowStart + rowBytes), o);
    else {
      for (let i = 0; i < width * channels; i++) {
        const v = data[rowStart + i]!;
        raw[o + 2 * i] = v >> 8;
        raw[o + 2 * i + 1] = v & 0xff;
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const d = new DataView(ihdr.buffer);
  d.setUint32(0, width);
  d.setUint32(4, height);
  ihdr[8] = 8 * bytesPerSample;
  ihdr[9] = [0, 0, 4, 2, 6][channels]!;
  const chunks = [chunk('IHDR', ihdr), chunk('IDAT', zlibCompress(raw)), chunk('IEND', new Uint8Array(0))];
  return concat([Uint8Array.from(SIGNATURE), ...chunks]);
}

/** One chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Reverses the per-row filters in place of a copy; returns the rows without their filter bytes. */
function unfilter(
  raw: Uint8Array,
  height: number,
  rowBytes: number,
  bpp: number,
  fail: (problem: string) => never,
): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)]!;
    const src = y * (rowBytes + 1) + 1;
    const o = y * rowBytes;
    const up = o - rowBytes; // previous row in `out`, absent (zeros) on the first row
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? out[o + i - bpp]! : 0;
      const b = y > 0 ? out[up + i]! : 0;
      const c = y > 0 && i >= bpp ? out[up + i - bpp]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          return fail(`row ${y} has unknown filter type ${filter}`);
      }
      out[o + i] = (raw[src + i]! + predictor) & 0xff;
    }
  }
  return out;
}

/** Sample `x` of a row packed at `bitDepth` < 8 bits, most significant bits first. */
function subByte(pixels: Uint8Array, rowStart: number, x: number, bitDepth: number): number {
  const bit = x * bitDepth;
  const byte = pixels[rowStart + (bit >> 3)]!;
  return (byte >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
}

function expandPalette(
  pixels: Uint8Array,
  width: number,
  height: number,
  bitDepth: number,
  rowBytes: number,
  palette: Uint8Array,
  alpha: Uint8Array | undefined,
  fail: (problem: string) => never,
): PngImage {
  const entries = palette.length / 3;
  if (alpha && alpha.length > entries)
    fail(`tRNS has ${alpha.length} entries but the palette only ${entries}`);
  const channels = alpha ? 4 : 3;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = bitDepth === 8 ? pixels[y * rowBytes + x]! : subByte(pixels, y * rowBytes, x, bitDepth);
      if (index >= entries) fail(`pixel (${x}, ${y}) uses palette index ${index} of ${entries}`);
      data[o++] = palette[3 * index]!;
      data[o++] = palette[3 * index + 1]!;
      data[o++] = palette[3 * index + 2]!;
      if (alpha) data[o++] = index < alpha.length ? alpha[index]! : 255;
    }
  }
  return { width, height, channels, bitDepth: 8, data };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
