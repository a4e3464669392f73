/**
 * PNG (ISO/IEC 15948, W3C PNG 2nd edition) decoding and encoding over Uint8Array, on fast-png,
 * without DOM or Node APIs, for image/mask datasets (ISIC style) and overlay output.
 *
 * Decoding: fast-png inflates, unfilters and de-interlaces. Before it sees the file, the chunks are
 * walked here to check what fast-png does not (every CRC-32, IHDR's fields, the pixel-count cap
 * PNG_MAX_PIXELS, chunk order) and the image data is inflated once through `zlibDecompress`, bounded
 * by the size IHDR implies and with its Adler-32 checked: fast-png inflates without a bound, so a
 * small file that inflates to gigabytes is refused here first (at the cost of inflating twice).
 * The result keeps this package's integer conventions: grey below 8 bits is scaled to 0..255 (a 1-bit
 * mask becomes 0/255); palette images become RGB, or RGBA when a tRNS chunk gives the palette alpha;
 * grey and RGB images with a tRNS colour key gain an alpha channel; 16-bit samples are a Uint16Array.
 * Encoding: 8- or 16-bit grey, grey+alpha, RGB or RGBA, by fast-png.
 */
import { decode, encode } from 'fast-png';
import { crc32 } from './checksums.js';
import { zlibDecompress } from './deflate.js';
import { ConfigError, FileFormatError } from './errors.js';

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
  let header: PngHeader | undefined;
  let palette: Uint8Array | undefined;
  let paletteAlpha: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  /** The critical chunks, whole, which are all fast-png is given (see below). */
  const critical: Uint8Array[] = [Uint8Array.from(SIGNATURE)];
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
    if (type === 'IHDR' || type === 'PLTE' || type === 'IDAT' || type === 'IEND') {
      critical.push(bytes.subarray(pos, pos + 12 + length));
    }
    pos += 12 + length;
    if (!header && type !== 'IHDR') fail(`first chunk is ${type}, not IHDR`);
    switch (type) {
      case 'IHDR': {
        if (header) fail('more than one IHDR chunk');
        header = parseHeader(data, fail);
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
  const rowBytesOf = (w: number) => Math.ceil((w * samples * bitDepth) / 8);
  // The bound and the Adler-32 fast-png does not apply; the pixels themselves come from fast-png.
  zlibDecompress(concat(idat), rawSizeOf(header!, rowBytesOf), source);
  if (header!.interlaced && bitDepth < 8) {
    // fast-png 8.0.0 de-interlaces by whole bytes per pixel, which packed samples are not.
    fail(`interlaced images of ${bitDepth}-bit samples are not supported (fast-png reads them wrongly)`);
  }
  let decoded: ReturnType<typeof decode>;
  try {
    // Only the critical chunks: the ancillary ones were checked above or are ignored, and fast-png
    // would inflate an iCCP profile without a bound and refuses a tRNS colour key of an image
    // smaller than the key (it compares its samples with the pixel count).
    decoded = decode(concat(critical), { checkCrc: false });
  } catch (error) {
    throw new FileFormatError(source, `PNG: ${(error as Error).message}`, { cause: error });
  }
  const pixels = decoded.data;
  const format: Format = { bitDepth, colorType, samples, palette, paletteAlpha, fail };
  const image = toImage(pixels, width, height, rowBytesOf(width), format);
  return withColorKey(image, colorType, bitDepth, paletteAlpha, fail);
}

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

/** The IHDR chunk's fields, checked. */
function parseHeader(data: Uint8Array, fail: (problem: string) => never): PngHeader {
  const length = data.length;
  if (length !== 13) fail(`IHDR has ${length} bytes, not 13`);
  const d = new DataView(data.buffer, data.byteOffset, 13);
  const width = d.getUint32(0);
  const height = d.getUint32(4);
  const [bitDepth, colorType, compression, filter, interlace] = data.subarray(8, 13) as unknown as number[];
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
  return { width, height, bitDepth: bitDepth!, colorType: colorType!, interlaced: interlace === 1 };
}

/** The bytes of the filtered scanlines (one filter byte per row), over the Adam7 passes when interlaced. */
function rawSizeOf({ width, height, interlaced }: PngHeader, rowBytesOf: (w: number) => number): number {
  const passes = interlaced
    ? ADAM7.map(([x0, y0, dx, dy]) => [Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)])
    : [[width, height]];
  return passes.reduce((n, [w, h]) => (w! > 0 && h! > 0 ? n + h! * (rowBytesOf(w!) + 1) : n), 0);
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

/** fast-png's samples -> ours: sub-byte grey scaled to 0..255, palette expanded. */
function toImage(
  pixels: Uint8Array | Uint8ClampedArray | Uint16Array,
  width: number,
  height: number,
  rowBytes: number,
  f: Format,
): PngImage {
  const { bitDepth, samples } = f;
  if (f.colorType === 3) {
    return expandPalette(pixels, width, height, bitDepth, rowBytes, f.palette!, f.paletteAlpha, f.fail);
  }
  const channels = samples as 1 | 2 | 3 | 4;
  if (bitDepth === 16) return { width, height, channels, bitDepth: 16, data: Uint16Array.from(pixels) };
  if (bitDepth === 8) return { width, height, channels, bitDepth: 8, data: Uint8Array.from(pixels) };
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
  return encode({ width, height, channels, depth: data instanceof Uint16Array ? 16 : 8, data });
}

/** Sample `x` of a row packed at `bitDepth` < 8 bits, most significant bits first. */
function subByte(pixels: ArrayLike<number>, rowStart: number, x: number, bitDepth: number): number {
  const bit = x * bitDepth;
  const byte = pixels[rowStart + (bit >> 3)]!;
  return (byte >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
}

function expandPalette(
  pixels: ArrayLike<number>,
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
