/**
 * JPEG decoding (ITU T.81 | ISO/IEC 10918-1, JFIF T.871) over Uint8Array, without DOM or Node APIs.
 *
 * Supported: 8-bit Huffman-coded baseline, extended sequential and progressive frames (SOF0, SOF1,
 * SOF2) of 1 (grey) or 3 components, any sampling factors 1..4 (4:4:4, 4:2:2, 4:2:0, 4:1:1...),
 * restart intervals. Three components are YCbCr converted to RGB unless an Adobe APP14 segment
 * says transform 0 (or the component ids are 'R', 'G', 'B'), which leaves them as RGB.
 * Subsampled components are upsampled by replication (libjpeg's `-nosmooth`, not its default
 * triangle filter). EXIF orientation is ignored: pixels come back in stored order.
 * Rejected with a FileFormatError naming the feature: arithmetic coding, lossless and
 * hierarchical frames, 12/16-bit precision, 2 or 4 components (CMYK, YCCK), DNL (height 0).
 *
 * Every size is checked before allocating: the image must fit JPEG_MAX_PIXELS and each 8x8 block
 * of each component takes at least one bit of the file, so allocations are linear in the file
 * size; the scans together may visit each coefficient at most MAX_PASSES times.
 */
import { FileFormatError } from '@befunet/common';
import { BitReader, buildHuffmanTable, type HuffmanTable } from './jpeg-entropy.js';
import { inverseDctBlock, ycbcrToRgb, ZIGZAG } from './jpeg-idct.js';
import { decodeScan, type Frame, type FrameComponent, markerName, type Scan, scanWork } from './jpeg-scan.js';

/** The largest image decoded, in pixels (as for PNG). */
export const JPEG_MAX_PIXELS = 2 ** 28;

/** How many times, at most, the scans may visit each coefficient (a progressive file needs ~4). */
const MAX_PASSES = 16;

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

/** Frame types other than SOF0-2 (T.81 table B.1), named for the error message. */
const UNSUPPORTED_FRAMES: Record<number, string> = {
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

/** Decodes the JPEG file `bytes`; `source` names it in error messages. */
export function decodeJpeg(bytes: Uint8Array, source = '<jpeg>'): JpegImage {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `JPEG: ${problem}`);
  };
  if (!isJpeg(bytes)) fail('missing SOI marker (FF D8)');
  const quantTables: (Uint16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: Frame | undefined;
  let restartInterval = 0;
  let adobeTransform: number | undefined;
  let workLeft = 0;
  let pos = 2;
  while (true) {
    if (pos >= bytes.length) fail('file ends without an EOI marker (truncated)');
    if (bytes[pos] !== 0xff) fail(`expected a marker at byte ${pos}, found 0x${bytes[pos]!.toString(16)}`);
    while (bytes[pos] === 0xff) pos++; // fill bytes (B.1.1.2)
    if (pos >= bytes.length) fail('file ends without an EOI marker (truncated)');
    const marker = bytes[pos++]!;
    if (marker === 0xd9) break; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // stray RSTn, TEM: no segment
    if (UNSUPPORTED_FRAMES[marker]) fail(`unsupported: ${UNSUPPORTED_FRAMES[marker]}`);
    if (pos + 2 > bytes.length) fail(`${markerName(marker)} at byte ${pos - 2} is truncated`);
    const length = (bytes[pos]! << 8) | bytes[pos + 1]!;
    if (length < 2 || pos + length > bytes.length) {
      fail(`${markerName(marker)} at byte ${pos - 2} declares ${length} bytes, beyond the end of the file`);
    }
    const segment = bytes.subarray(pos + 2, pos + length);
    pos += length;
    const need = (n: number) => {
      if (segment.length < n) fail(`${markerName(marker)} segment is too short (${segment.length} bytes)`);
    };
    switch (marker) {
      case 0xc0:
      case 0xc1:
      case 0xc2:
        if (frame) fail('more than one frame (SOF marker)');
        frame = readFrame(segment, marker === 0xc2, bytes.length, need, fail);
        workLeft = MAX_PASSES * frame.components.reduce((n, c) => n + c.coefficients.length, 0);
        break;
      case 0xc4:
        readHuffmanTables(segment, dcTables, acTables, fail);
        break;
      case 0xdb:
        readQuantTables(segment, quantTables, fail);
        break;
      case 0xdd:
        need(2);
        restartInterval = (segment[0]! << 8) | segment[1]!;
        break;
      case 0xee:
        // Adobe APP14: 'Adobe', version, flags0, flags1, transform (0 RGB/CMYK, 1 YCbCr, 2 YCCK).
        if (segment.length >= 12 && String.fromCharCode(...segment.subarray(0, 5)) === 'Adobe') {
          adobeTransform = segment[11];
        }
        break;
      case 0xda: {
        if (!frame) return fail('scan (SOS) before the frame header (SOF)');
        const scan = readScanHeader(segment, frame, quantTables, dcTables, acTables, fail);
        workLeft -= scanWork(frame, scan);
        if (workLeft < 0) fail(`too many scans (more than ${MAX_PASSES} passes over the coefficients)`);
        const reader = new BitReader(bytes, pos, fail);
        decodeScan(reader, frame, scan, restartInterval, fail);
        // Continue at the marker that ends the scan (or fail above at the end of the file).
        pos = reader.nextMarker() < 0 ? bytes.length : reader.pos - 2;
        break;
      }
      default:
        if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) break; // APPn, COM
        if (marker >= 0xc0 && marker <= 0xcf) fail(`unsupported: frame marker ${markerName(marker)}`);
        fail(`unexpected ${markerName(marker)}`);
    }
  }
  if (!frame) return fail('no frame header (SOF) before EOI');
  const rgb = frame.components.length === 3 && isRgb(frame.components, adobeTransform, fail);
  return assemble(frame, rgb, fail);
}

function readFrame(
  segment: Uint8Array,
  progressive: boolean,
  fileLength: number,
  need: (n: number) => void,
  fail: (problem: string) => never,
): Frame {
  need(6);
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
  need(6 + 3 * count);
  const specs = Array.from({ length: count }, (_, i) => {
    const at = 6 + 3 * i;
    const h = segment[at + 1]! >> 4;
    const v = segment[at + 1]! & 15;
    const tq = segment[at + 2]!;
    if (h < 1 || h > 4 || v < 1 || v > 4)
      fail(`component ${i} has sampling factors ${h}x${v} (must be 1..4)`);
    if (tq > 3) fail(`component ${i} uses quantisation table ${tq} (must be 0..3)`);
    return { id: segment[at]!, h, v, tq };
  });
  if (new Set(specs.map((s) => s.id)).size !== count) fail('two components share an id');
  const hMax = Math.max(...specs.map((s) => s.h));
  const vMax = Math.max(...specs.map((s) => s.v));
  const mcusPerLine = Math.ceil(width / (8 * hMax));
  const mcusPerColumn = Math.ceil(height / (8 * vMax));
  const used = specs.map((s) => [
    Math.ceil(Math.ceil((width * s.h) / hMax) / 8),
    Math.ceil(Math.ceil((height * s.v) / vMax) / 8),
  ]);
  // Every block of every component costs at least one bit (its DC code) in some scan.
  const blocks = used.reduce((n, [w, h]) => n + w! * h!, 0);
  if (blocks > 8 * fileLength)
    fail(`${width}x${height} needs ${blocks} blocks, more than a ${fileLength}-byte file can code`);
  const components: FrameComponent[] = specs.map((s, i) => ({
    ...s,
    blocksPerLine: mcusPerLine * s.h,
    blocksPerColumn: mcusPerColumn * s.v,
    usedBlocksPerLine: used[i]![0]!,
    usedBlocksPerColumn: used[i]![1]!,
    coefficients: new Int16Array(mcusPerLine * s.h * mcusPerColumn * s.v * 64),
  }));
  return { progressive, width, height, mcusPerLine, mcusPerColumn, components };
}

/** DHT (T.81 B.2.4.2): one or more tables, each class/slot, 16 code counts, then the symbols. */
function readHuffmanTables(
  segment: Uint8Array,
  dcTables: (HuffmanTable | undefined)[],
  acTables: (HuffmanTable | undefined)[],
  fail: (problem: string) => never,
): void {
  for (let at = 0; at < segment.length; ) {
    if (at + 17 > segment.length) fail('DHT segment is truncated');
    const tableClass = segment[at]! >> 4;
    const slot = segment[at]! & 15;
    if (tableClass > 1 || slot > 3) fail(`DHT class ${tableClass} slot ${slot} is invalid`);
    const counts = segment.subarray(at + 1, at + 17);
    const total = counts.reduce((n, c) => n + c, 0);
    if (total > 256 || at + 17 + total > segment.length) fail(`DHT table declares ${total} symbols`);
    const table = buildHuffmanTable(counts, segment.slice(at + 17, at + 17 + total), fail);
    (tableClass === 0 ? dcTables : acTables)[slot] = table;
    at += 17 + total;
  }
}

/** DQT (T.81 B.2.4.1): 8- or 16-bit tables of 64 values in zig-zag order. */
function readQuantTables(
  segment: Uint8Array,
  tables: (Uint16Array | undefined)[],
  fail: (p: string) => never,
): void {
  for (let at = 0; at < segment.length; ) {
    const wide = segment[at]! >> 4;
    const slot = segment[at]! & 15;
    if (wide > 1 || slot > 3) fail(`DQT precision ${wide} slot ${slot} is invalid`);
    const size = wide ? 2 : 1;
    if (at + 1 + 64 * size > segment.length) fail('DQT segment is truncated');
    const table = new Uint16Array(64);
    for (let k = 0; k < 64; k++) {
      const p = at + 1 + k * size;
      table[ZIGZAG[k]!] = wide ? (segment[p]! << 8) | segment[p + 1]! : segment[p]!;
    }
    tables[slot] = table;
    at += 1 + 64 * size;
  }
}

/** SOS (T.81 B.2.3), checked against the frame and G.1.1.1.1 for progressive scans. */
function readScanHeader(
  segment: Uint8Array,
  frame: Frame,
  quantTables: (Uint16Array | undefined)[],
  dcTables: (HuffmanTable | undefined)[],
  acTables: (HuffmanTable | undefined)[],
  fail: (problem: string) => never,
): Scan {
  const count = segment[0] ?? 0;
  if (count < 1 || count > 4 || segment.length < 4 + 2 * count) fail('SOS segment is malformed');
  const ss = segment[1 + 2 * count]!;
  const se = segment[2 + 2 * count]!;
  const ah = segment[3 + 2 * count]! >> 4;
  const al = segment[3 + 2 * count]! & 15;
  if (frame.progressive) {
    const valid = ss === 0 ? se === 0 : se >= ss && se <= 63 && count === 1;
    if (!valid || ah > 13 || al > 13)
      fail(`invalid progressive scan (Ss ${ss}, Se ${se}, Ah ${ah}, Al ${al}, ${count} components)`);
  }
  const dcNeeded = !frame.progressive || (ss === 0 && ah === 0);
  const acNeeded = !frame.progressive || ss > 0;
  const components = Array.from({ length: count }, (_, i) => {
    const id = segment[1 + 2 * i]!;
    const component =
      frame.components.find((c) => c.id === id) ?? fail(`scan uses unknown component id ${id}`);
    const td = segment[2 + 2 * i]! >> 4;
    const ta = segment[2 + 2 * i]! & 15;
    component.quant ??=
      quantTables[component.tq] ?? fail(`quantisation table ${component.tq} is not defined`);
    return {
      component,
      dc: dcNeeded ? (dcTables[td] ?? fail(`scan uses undefined DC Huffman table ${td}`)) : undefined,
      ac: acNeeded ? (acTables[ta] ?? fail(`scan uses undefined AC Huffman table ${ta}`)) : undefined,
    };
  });
  if (new Set(components.map((c) => c.component)).size !== count) fail('scan lists a component twice');
  if (count > 1 && components.reduce((n, c) => n + c.component.h * c.component.v, 0) > 10) {
    fail('interleaved scan has more than 10 blocks per MCU');
  }
  return { components, ss, se, ah, al };
}

/** Whether three components hold RGB rather than YCbCr (Adobe transform flag, else component ids). */
function isRgb(
  components: FrameComponent[],
  adobeTransform: number | undefined,
  fail: (p: string) => never,
): boolean {
  if (adobeTransform !== undefined) {
    if (adobeTransform > 1) fail(`unsupported: Adobe colour transform ${adobeTransform} for 3 components`);
    return adobeTransform === 0;
  }
  return components.map((c) => String.fromCharCode(c.id)).join('') === 'RGB';
}

/** Inverse DCT of every block, upsampling by replication to full size, colour conversion. */
function assemble(frame: Frame, rgb: boolean, fail: (problem: string) => never): JpegImage {
  const { width, height, components } = frame;
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  const channels = components.length as 1 | 3;
  const data = new Uint8Array(width * height * channels);
  const scratch = new Float64Array(64);
  components.forEach((c, ci) => {
    const quant = c.quant ?? fail(`component ${c.id} appears in no scan`);
    const stride = c.blocksPerLine * 8;
    const plane = new Uint8Array(stride * c.blocksPerColumn * 8);
    for (let row = 0; row < c.blocksPerColumn; row++)
      for (let col = 0; col < c.blocksPerLine; col++) {
        const block = row * c.blocksPerLine + col;
        inverseDctBlock(
          c.coefficients,
          block * 64,
          quant,
          plane,
          row * 8 * stride + col * 8,
          stride,
          scratch,
        );
      }
    const columns = Int32Array.from({ length: width }, (_, x) => Math.floor((x * c.h) / hMax));
    for (let y = 0; y < height; y++) {
      const rowAt = Math.floor((y * c.v) / vMax) * stride;
      for (let x = 0, o = y * width * channels + ci; x < width; x++, o += channels)
        data[o] = plane[rowAt + columns[x]!]!;
    }
  });
  if (channels === 3 && !rgb) ycbcrToRgb(data);
  return { width, height, channels, data };
}
