/**
 * JPEG decoding (ITU T.81 | ISO/IEC 10918-1, JFIF T.871) over Uint8Array on jpeg-js, without DOM
 * or Node APIs.
 *
 * The header segments up to the first scan are walked here first, so that what jpeg-js does not
 * check is refused with a FileFormatError naming the feature: arithmetic coding, lossless and
 * hierarchical frames, 12/16-bit precision, 2 or 4 components (CMYK, YCCK), DNL (height 0), an
 * image beyond JPEG_MAX_PIXELS or with more 8x8 blocks than the file has bits (so allocations stay
 * linear in the file size). The walk also tells grey from colour (jpeg-js returns RGB for both) and
 * RGB from YCbCr (an Adobe APP14 transform flag, else the component ids 'R', 'G', 'B').
 * jpeg-js then decodes 8-bit Huffman baseline, extended and progressive frames, any sampling factors
 * and restart intervals; its errors (truncated or corrupt entropy data) become FileFormatErrors.
 * It upsamples by replication and its integer IDCT stays within 3 levels of libjpeg's float IDCT
 * (`djpeg -dct float -nosmooth`). EXIF orientation is ignored: pixels come back in stored order.
 */
import decode from 'jpeg-js/lib/decoder.js';
import { FileFormatError } from './errors.js';

/** The largest image decoded, in pixels (as for PNG). */
export const JPEG_MAX_PIXELS = 2 ** 28;

/** A decoded image: 8-bit samples, row-major, channels interleaved (HWC). */
export interface JpegImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 3 RGB. */
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** True for the start of a JPEG file (SOI marker FF D8 FF). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Markers refused before decoding (T.81 table B.1), named for the error message. */
const UNSUPPORTED: Record<number, string> = {
  195: 'lossless (SOF3)',
  197: 'hierarchical differential sequential (SOF5)',
  198: 'hierarchical differential progressive (SOF6)',
  199: 'hierarchical differential lossless (SOF7)',
  201: 'arithmetic coding (SOF9)',
  202: 'arithmetic coding, progressive (SOF10)',
  203: 'arithmetic coding, lossless (SOF11)',
  204: 'arithmetic coding (DAC marker)',
  205: 'arithmetic coding, hierarchical (SOF13)',
  206: 'arithmetic coding, hierarchical progressive (SOF14)',
  207: 'arithmetic coding, hierarchical lossless (SOF15)',
  220: 'DNL marker (height defined after the first scan)',
  222: 'hierarchical mode (DHP marker)',
  223: 'hierarchical mode (EXP marker)',
};

const markerName = (marker: number) => `marker FF${marker.toString(16).toUpperCase().padStart(2, '0')}`;

/** What the header walk learns: the frame's size and components, and whether they hold RGB. */
interface Header {
  width: number;
  height: number;
  channels: 1 | 3;
  rgb: boolean;
}

/** Decodes the JPEG file `bytes`; `source` names it in error messages. */
export function decodeJpeg(bytes: Uint8Array, source = '<jpeg>'): JpegImage {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `JPEG: ${problem}`);
  };
  const header = readHeader(bytes, fail);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      colorTransform: header.channels === 3 ? !header.rgb : undefined,
      // Needed, not lax: without it jpeg-js refuses valid progressive files with restarts (4:2:2, 35x19).
      tolerantDecoding: true,
      maxResolutionInMP: JPEG_MAX_PIXELS / 1e6,
      // Output (3 bytes a pixel) plus the component planes and coefficients jpeg-js allocates.
      maxMemoryUsageInMB: Math.ceil((JPEG_MAX_PIXELS * 16) / 2 ** 20),
    });
  } catch (error) {
    return fail(`corrupt or truncated data (${error instanceof Error ? error.message : String(error)})`);
  }
  const { width, height, channels } = header;
  if (decoded.width !== width || decoded.height !== height || decoded.data.length !== width * height * 3) {
    fail(`decoded ${decoded.width}x${decoded.height}, but the frame header says ${width}x${height}`);
  }
  if (channels === 3) return { width, height, channels, data: decoded.data };
  // jpeg-js repeats grey in R, G and B.
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = decoded.data[3 * i]!;
  return { width, height, channels, data };
}

/** Walks the segments before the first scan (SOS) and checks the frame header (SOF0-2). */
function readHeader(bytes: Uint8Array, fail: (problem: string) => never): Header {
  if (!isJpeg(bytes)) fail('missing SOI marker (FF D8)');
  let header: Header | undefined;
  let adobeTransform: number | undefined;
  let ids = '';
  let pos = 2;
  while (true) {
    if (pos >= bytes.length) fail('file ends before the first scan (truncated)');
    if (bytes[pos] !== 0xff) fail(`expected a marker at byte ${pos}, found 0x${bytes[pos]!.toString(16)}`);
    while (bytes[pos] === 0xff) pos++; // fill bytes (B.1.1.2)
    if (pos >= bytes.length) fail('file ends before the first scan (truncated)');
    const marker = bytes[pos++]!;
    if (marker === 0xd9) fail('EOI before any scan (no image data)');
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // stray RSTn, TEM: no segment
    if (UNSUPPORTED[marker]) fail(`unsupported: ${UNSUPPORTED[marker]}`);
    if (pos + 2 > bytes.length) fail(`${markerName(marker)} at byte ${pos - 2} is truncated`);
    const length = (bytes[pos]! << 8) | bytes[pos + 1]!;
    if (length < 2 || pos + length > bytes.length) {
      fail(`${markerName(marker)} at byte ${pos - 2} declares ${length} bytes, beyond the end of the file`);
    }
    const segment = bytes.subarray(pos + 2, pos + length);
    pos += length;
    if (marker === 0xda) break; // SOS: the entropy-coded data follows
    if (marker >= 0xc0 && marker <= 0xc2) {
      if (header) fail('more than one frame (SOF marker)');
      header = readFrame(segment, marker, bytes.length, fail);
      ids = String.fromCharCode(...segment.subarray(6).filter((_, i) => i % 3 === 0));
    } else if (marker === 0xee) {
      // Adobe APP14: 'Adobe', version, flags0, flags1, transform (0 RGB/CMYK, 1 YCbCr, 2 YCCK).
      if (segment.length >= 12 && String.fromCharCode(...segment.subarray(0, 5)) === 'Adobe') {
        adobeTransform = segment[11];
      }
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4) {
      fail(`unsupported: frame marker ${markerName(marker)}`);
    } else if (
      !(
        marker === 0xc4 ||
        marker === 0xdb ||
        marker === 0xdd ||
        (marker >= 0xe0 && marker <= 0xef) ||
        marker === 0xfe
      )
    ) {
      // Not DHT, DQT, DRI, APPn or COM (which jpeg-js reads or skips).
      fail(`unexpected ${markerName(marker)}`);
    }
  }
  if (!header) return fail('scan (SOS) before the frame header (SOF)');
  if (header.channels === 3) {
    if (adobeTransform !== undefined && adobeTransform > 1)
      fail(`unsupported: Adobe colour transform ${adobeTransform} for 3 components`);
    header.rgb = adobeTransform !== undefined ? adobeTransform === 0 : ids === 'RGB';
  }
  return header;
}

function readFrame(
  segment: Uint8Array,
  marker: number,
  fileLength: number,
  fail: (p: string) => never,
): Header {
  if (segment.length < 6) fail(`${markerName(marker)} segment is too short (${segment.length} bytes)`);
  const precision = segment[0]!;
  const height = (segment[1]! << 8) | segment[2]!;
  const width = (segment[3]! << 8) | segment[4]!;
  const count = segment[5]!;
  if (precision !== 8) fail(`unsupported: ${precision}-bit samples (only 8-bit)`);
  if (height === 0) fail('unsupported: DNL (height 0 in the frame header)');
  if (width === 0) fail('frame width is 0');
  if (count === 4) fail('unsupported: 4 components (CMYK or YCCK)');
  if (count !== 1 && count !== 3) fail(`unsupported: ${count} components (only 1 or 3)`);
  if (width * height > JPEG_MAX_PIXELS) fail(`${width}x${height} exceeds ${JPEG_MAX_PIXELS} pixels`);
  if (segment.length < 6 + 3 * count)
    fail(`${markerName(marker)} segment is too short (${segment.length} bytes)`);
  const factors = Array.from({ length: count }, (_, i) => {
    const hv = segment[7 + 3 * i]!;
    const [h, v] = [hv >> 4, hv & 15];
    if (h < 1 || h > 4 || v < 1 || v > 4)
      fail(`component ${i} has sampling factors ${h}x${v} (must be 1..4)`);
    if (segment[8 + 3 * i]! > 3)
      fail(`component ${i} uses quantisation table ${segment[8 + 3 * i]} (must be 0..3)`);
    return [h, v] as const;
  });
  const hMax = Math.max(...factors.map((f) => f[0]));
  const vMax = Math.max(...factors.map((f) => f[1]));
  // Every 8x8 block of every component costs at least one bit (its DC code) in some scan.
  const blocks = factors.reduce(
    (n, [h, v]) =>
      n + Math.ceil(Math.ceil((width * h) / hMax) / 8) * Math.ceil(Math.ceil((height * v) / vMax) / 8),
    0,
  );
  if (blocks > 8 * fileLength)
    fail(`${width}x${height} needs ${blocks} blocks, more than a ${fileLength}-byte file can code`);
  return { width, height, channels: count as 1 | 3, rgb: false };
}
