import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { everyByteCorruption } from '../../testing/src/corruption.ts';
import { ConfigError, FileFormatError } from './errors.js';
import { decodePng, encodePng, isPng } from './png.js';

// An independent PNG writer: chunks with node's CRC-32, IDAT compressed by node's zlib.
const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function chunk(type: string, data: Uint8Array | number[]): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const out = Buffer.alloc(12 + body.length - 4);
  out.writeUInt32BE(body.length - 4, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlib.crc32(body), out.length - 4);
  return out;
}

function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colorType;
  d[12] = interlace;
  return chunk('IHDR', d);
}

/** A PNG whose filtered scanlines (filter byte first) are `rows`. */
function png(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  rows: number[][],
  extra: Buffer[] = [],
): Uint8Array {
  const idat = zlib.deflateSync(Buffer.from(rows.flat()));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(SIG),
      ihdr(width, height, bitDepth, colorType),
      ...extra,
      chunk('IDAT', idat.subarray(0, 5)),
      chunk('IDAT', idat.subarray(5)), // pixels split over two IDAT chunks
      chunk('IEND', []),
    ]),
  );
}

function expectFormatError(fn: () => unknown, match: RegExp) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FileFormatError);
  expect((error as Error).message).toMatch(match);
}

describe('decodePng: filters (hand-filtered 3x2 grey image [[10, 20, 30], [15, 25, 5]])', () => {
  const expected = [10, 20, 30, 15, 25, 5];
  const cases: [string, number, number[], number[]][] = [
    ['None', 0, [10, 20, 30], [15, 25, 5]],
    ['Sub', 1, [10, 10, 10], [15, 10, 236]],
    ['Up', 2, [10, 20, 30], [5, 5, 231]],
    ['Average', 3, [10, 15, 20], [10, 8, 234]],
    ['Paeth', 4, [10, 10, 10], [5, 5, 231]],
  ];
  for (const [name, type, row0, row1] of cases) {
    it(`undoes filter ${type} (${name})`, () => {
      const image = decodePng(
        png(3, 2, 8, 0, [
          [type, ...row0],
          [type, ...row1],
        ]),
        'f.png',
      );
      expect(image).toMatchObject({ width: 3, height: 2, channels: 1, bitDepth: 8 });
      expect(Array.from(image.data)).toEqual(expected);
    });
  }

  it('mixes filters row by row', () => {
    const image = decodePng(
      png(3, 2, 8, 0, [
        [3, 10, 15, 20],
        [4, 5, 5, 231],
      ]),
    );
    expect(Array.from(image.data)).toEqual(expected);
  });

  it('uses the pixel to the left (not the byte) for multi-byte pixels: 16-bit RGB, all filters', () => {
    // Forward filtering written here from the spec, on random 16-bit RGB samples (6 bytes per pixel).
    const width = 5;
    const height = 5;
    const bpp = 6;
    const samples = Array.from({ length: width * height * 3 }, (_, i) => (i * 7919 + 13) % 65536);
    const bytes = samples.flatMap((s) => [s >> 8, s & 0xff]);
    const rowBytes = width * bpp;
    const at = (y: number, i: number) => (y < 0 || i < 0 ? 0 : bytes[y * rowBytes + i]!);
    const paeth = (a: number, b: number, c: number) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const rows = Array.from({ length: height }, (_, y) => {
      const type = y; // rows use filters 0..4
      const row = [type];
      for (let i = 0; i < rowBytes; i++) {
        const x = at(y, i);
        const a = at(y, i - bpp);
        const b = at(y - 1, i);
        const c = at(y - 1, i - bpp);
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type]!;
        row.push((x - pred) & 0xff);
      }
      return row;
    });
    const image = decodePng(png(width, height, 16, 2, rows));
    expect(image).toMatchObject({ channels: 3, bitDepth: 16 });
    expect(image.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(image.data)).toEqual(samples);
  });
});

describe('decodePng: colour types and bit depths', () => {
  it('reads 1-, 2- and 4-bit grey scaled to 0..255, with rows not ending on a byte boundary', () => {
    const one = decodePng(png(10, 1, 1, 0, [[0, 0b10110001, 0b11000000]]));
    expect(Array.from(one.data)).toEqual([1, 0, 1, 1, 0, 0, 0, 1, 1, 1].map((v) => v * 255));
    const two = decodePng(
      png(3, 2, 2, 0, [
        [0, 0b00011100],
        [0, 0b10000000],
      ]),
    );
    expect(Array.from(two.data)).toEqual([0, 85, 255, 170, 0, 0]);
    const four = decodePng(png(3, 1, 4, 0, [[0, 0x07, 0xf0]]));
    expect(Array.from(four.data)).toEqual([0, 119, 255]);
  });

  it('reads 16-bit grey big-endian', () => {
    const image = decodePng(png(2, 1, 16, 0, [[0, 0x12, 0x34, 0xff, 0xfe]]));
    expect(image).toMatchObject({ channels: 1, bitDepth: 16 });
    expect(Array.from(image.data)).toEqual([0x1234, 0xfffe]);
  });

  it('reads grey+alpha, RGB and RGBA at 8 bits', () => {
    const ga = decodePng(png(2, 1, 8, 4, [[0, 1, 2, 3, 4]]));
    expect(ga.channels).toBe(2);
    expect(Array.from(ga.data)).toEqual([1, 2, 3, 4]);
    const rgb = decodePng(png(2, 1, 8, 2, [[0, 255, 0, 0, 0, 0, 255]]));
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data)).toEqual([255, 0, 0, 0, 0, 255]);
    const rgba = decodePng(
      png(1, 2, 8, 6, [
        [0, 9, 8, 7, 6],
        [2, 1, 1, 1, 1],
      ]),
    );
    expect(rgba.channels).toBe(4);
    expect(Array.from(rgba.data)).toEqual([9, 8, 7, 6, 10, 9, 8, 7]);
  });

  it('expands palette images at 1, 2, 4 and 8 bits to RGB', () => {
    const plte = chunk('PLTE', [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const rgb = (indices: number[]) =>
      indices.flatMap(
        (i) =>
          [
            [0, 0, 0],
            [255, 0, 0],
            [0, 255, 0],
            [0, 0, 255],
          ][i]!,
      );
    const p1 = decodePng(png(3, 1, 1, 3, [[0, 0b01000000]], [plte]));
    expect(p1).toMatchObject({ channels: 3, bitDepth: 8 });
    expect(Array.from(p1.data)).toEqual(rgb([0, 1, 0]));
    const p2 = decodePng(png(3, 1, 2, 3, [[0, 0b11100100]], [plte]));
    expect(Array.from(p2.data)).toEqual(rgb([3, 2, 1]));
    const p4 = decodePng(png(3, 1, 4, 3, [[0, 0x23, 0x10]], [plte]));
    expect(Array.from(p4.data)).toEqual(rgb([2, 3, 1]));
    const p8 = decodePng(png(2, 1, 8, 3, [[0, 3, 1]], [plte]));
    expect(Array.from(p8.data)).toEqual(rgb([3, 1]));
  });

  it('gives palette images with tRNS an alpha channel (entries past tRNS are opaque)', () => {
    const plte = chunk('PLTE', [10, 20, 30, 40, 50, 60]);
    const image = decodePng(png(2, 1, 8, 3, [[0, 0, 1]], [plte, chunk('tRNS', [128])]));
    expect(image.channels).toBe(4);
    expect(Array.from(image.data)).toEqual([10, 20, 30, 128, 40, 50, 60, 255]);
  });

  it('turns a tRNS colour key of grey (1-bit and 16-bit) and RGB images into an alpha channel', () => {
    const mask = decodePng(png(3, 1, 1, 0, [[0, 0b10100000]], [chunk('tRNS', [0, 0])]));
    expect(mask.channels).toBe(2);
    expect(Array.from(mask.data)).toEqual([255, 255, 0, 0, 255, 255]);
    const grey16 = decodePng(png(2, 1, 16, 0, [[0, 0x12, 0x34, 0, 1]], [chunk('tRNS', [0x12, 0x34])]));
    expect(grey16.bitDepth).toBe(16);
    expect(Array.from(grey16.data)).toEqual([0x1234, 0, 1, 0xffff]);
    const rgb = decodePng(png(2, 1, 8, 2, [[0, 1, 2, 3, 1, 2, 4]], [chunk('tRNS', [0, 1, 0, 2, 0, 3])]));
    expect(rgb.channels).toBe(4);
    expect(Array.from(rgb.data)).toEqual([1, 2, 3, 0, 1, 2, 4, 255]);
    expectFormatError(
      () => decodePng(png(1, 1, 8, 2, [[0, 1, 2, 3]], [chunk('tRNS', [0, 1])])),
      /tRNS has 2 bytes/,
    );
  });

  it('skips ancillary chunks', () => {
    const text = chunk('tEXt', Array.from(Buffer.from('Comment\0hello')));
    const image = decodePng(png(1, 1, 8, 0, [[0, 42]], [text]));
    expect(Array.from(image.data)).toEqual([42]);
  });
});

/**
 * The scanlines of an Adam7-interlaced image, written from the spec: each of the seven passes is
 * a sub-image (empty ones skipped) whose rows pack `bitDepth`-bit samples MSB first. `up` filters
 * every row of a pass with Up (the row above inside the same pass; zeros for its first row).
 */
function adam7Rows(
  width: number,
  height: number,
  bitDepth: number,
  samplesAt: (x: number, y: number) => number[],
  up = false,
): number[][] {
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  const rows: number[][] = [];
  for (const [x0, y0, dx, dy] of passes as [number, number, number, number][]) {
    let previous: number[] | undefined;
    for (let y = y0; y < height; y += dy) {
      const bits: number[] = [];
      for (let x = x0; x < width; x += dx) {
        for (const v of samplesAt(x, y)) for (let b = bitDepth - 1; b >= 0; b--) bits.push((v >> b) & 1);
      }
      if (bits.length === 0) break;
      const bytes: number[] = [];
      for (let i = 0; i < bits.length; i += 8) {
        let byte = 0;
        for (let b = 0; b < 8; b++) byte = (byte << 1) | (bits[i + b] ?? 0);
        bytes.push(byte);
      }
      rows.push(up ? [2, ...bytes.map((v, i) => (v - (previous?.[i] ?? 0)) & 0xff)] : [0, ...bytes]);
      previous = bytes;
    }
  }
  return rows;
}

function interlacedPng(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  rows: number[][],
  extra: Buffer[] = [],
) {
  const idat = zlib.deflateSync(Buffer.from(rows.flat()));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(SIG),
      ihdr(width, height, bitDepth, colorType, 1),
      ...extra,
      chunk('IDAT', idat),
      chunk('IEND', []),
    ]),
  );
}

describe('decodePng: Adam7 interlacing', () => {
  it('reassembles 8-bit grey with every pass Up-filtered (9x10: all seven passes)', () => {
    const value = (x: number, y: number) => (x * 17 + y * 31) % 256;
    const image = decodePng(
      interlacedPng(
        9,
        10,
        8,
        0,
        adam7Rows(9, 10, 8, (x, y) => [value(x, y)], true),
      ),
    );
    const expected = Array.from({ length: 90 }, (_, i) => value(i % 9, Math.floor(i / 9)));
    expect(image).toMatchObject({ width: 9, height: 10, channels: 1, bitDepth: 8 });
    expect(Array.from(image.data)).toEqual(expected);
  });

  it('reassembles 16-bit RGB', () => {
    const rgb = (x: number, y: number) => [x * 1000 + y, 65535 - x, y * 4097];
    const image = decodePng(interlacedPng(5, 3, 16, 2, adam7Rows(5, 3, 16, rgb)));
    const expected: number[] = [];
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) expected.push(...rgb(x, y));
    expect(image.bitDepth).toBe(16);
    expect(Array.from(image.data)).toEqual(expected);
  });

  it('refuses interlaced images below 8 bits with a clear error (fast-png 8.0.0 de-interlaces them wrongly)', () => {
    const bit = (x: number, y: number) => (x + y) % 2;
    const mask = interlacedPng(
      3,
      3,
      1,
      0,
      adam7Rows(3, 3, 1, (x, y) => [bit(x, y)]),
    );
    expectFormatError(
      () => decodePng(mask, 'mask.png'),
      /^mask\.png: PNG: interlaced images of 1-bit samples are not supported/,
    );
  });
});

describe('encodePng', () => {
  const random = (n: number, max: number) => Array.from({ length: n }, (_, i) => (i * 2654435761) % max);

  for (const channels of [1, 2, 3, 4] as const) {
    it(`round-trips 8-bit images with ${channels} channel(s) through decodePng`, () => {
      const data = Uint8Array.from(random(7 * 5 * channels, 256));
      const bytes = encodePng({ width: 7, height: 5, channels, data });
      expect(isPng(bytes)).toBe(true);
      expect(decodePng(bytes)).toEqual({ width: 7, height: 5, channels, bitDepth: 8, data });
    });
  }

  it('round-trips 16-bit images', () => {
    const data = Uint16Array.from(random(4 * 3 * 3, 65536));
    const image = decodePng(encodePng({ width: 4, height: 3, channels: 3, data }));
    expect(image.bitDepth).toBe(16);
    expect(Array.from(image.data)).toEqual(Array.from(data));
  });

  it('writes chunks that node zlib and CRC-32 accept, and compresses a mask', () => {
    const width = 64;
    const height = 64;
    const data = new Uint8Array(width * height);
    for (let y = 20; y < 40; y++) data.fill(255, y * width + 10, y * width + 50);
    const bytes = Buffer.from(encodePng({ width, height, channels: 1, data }));
    // Walk the chunks independently.
    let pos = 8;
    const types: string[] = [];
    let idat = Buffer.alloc(0);
    while (pos < bytes.length) {
      const length = bytes.readUInt32BE(pos);
      const type = bytes.toString('latin1', pos + 4, pos + 8);
      expect(bytes.readUInt32BE(pos + 8 + length)).toBe(
        zlib.crc32(bytes.subarray(pos + 4, pos + 8 + length)),
      );
      if (type === 'IDAT') idat = Buffer.concat([idat, bytes.subarray(pos + 8, pos + 8 + length)]);
      types.push(type);
      pos += 12 + length;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    const raw = zlib.inflateSync(idat); // also checks the Adler-32
    expect(raw.length).toBe(height * (width + 1));
    for (let y = 0; y < height; y++) {
      expect(raw[y * (width + 1)]).toBe(0);
      expect(
        Buffer.compare(
          raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)),
          data.subarray(y * width, (y + 1) * width),
        ),
      ).toBe(0);
    }
    expect(bytes.length).toBeLessThan(data.length / 20);
  });

  it('rejects inconsistent input', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      ConfigError,
    );
    expect(() => encodePng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) })).toThrow(
      ConfigError,
    );
    expect(() => encodePng({ width: 1, height: 1, channels: 5 as 4, data: new Uint8Array(5) })).toThrow(
      ConfigError,
    );
  });
});

describe('decodePng: corrupt files', () => {
  const good = png(3, 2, 8, 0, [
    [0, 1, 2, 3],
    [0, 4, 5, 6],
  ]);

  it('rejects a missing signature', () => {
    expectFormatError(
      () => decodePng(new Uint8Array([1, 2, 3]), 'x.png'),
      /x\.png: PNG: missing PNG signature/,
    );
  });

  it('rejects truncation at every length', () => {
    for (let n = 8; n < good.length; n += 3)
      expectFormatError(() => decodePng(good.subarray(0, n), 'cut.png'), /cut\.png/);
  });

  it('rejects a flipped bit (CRC or Adler-32)', () => {
    for (const at of [12, 20, 40, good.length - 20]) {
      const bad = good.slice();
      bad[at]! ^= 0x10;
      expectFormatError(() => decodePng(bad), /CRC|Adler|DEFLATE|zlib|IHDR|chunk/);
    }
  });

  it('rejects invalid headers and contents', () => {
    expectFormatError(() => decodePng(png(1, 1, 3, 0, [[0, 0]])), /bit depth 3 invalid/);
    expectFormatError(() => decodePng(png(1, 1, 8, 5, [[0, 0]])), /colour type 5/);
    expectFormatError(() => decodePng(png(3, 1, 8, 0, [[5, 1, 2, 3]])), /Unsupported filter: 5/);
    expectFormatError(
      () => decodePng(png(3, 1, 8, 0, [[0, 1, 2]])),
      /inflates to 3 bytes, not the declared 4/,
    );
    expectFormatError(() => decodePng(png(2, 1, 8, 3, [[0, 0, 1]])), /without PLTE/);
    expectFormatError(
      () => decodePng(png(2, 1, 8, 3, [[0, 0, 9]], [chunk('PLTE', [1, 2, 3])])),
      /palette index 9 of 1/,
    );
    const interlaced = new Uint8Array(
      Buffer.concat([
        Buffer.from(SIG),
        ihdr(1, 1, 8, 0, 2),
        chunk('IDAT', zlib.deflateSync(Buffer.from([0, 0]))),
        chunk('IEND', []),
      ]),
    );
    expectFormatError(() => decodePng(interlaced), /interlace method 2/);
    // An interlaced 2x2 image has passes 1, 6 and 7: 2 + 2 + 3 bytes, not 2 x 3.
    expectFormatError(
      () =>
        decodePng(
          interlacedPng(2, 2, 8, 0, [
            [0, 1, 2],
            [0, 3, 4],
          ]),
        ),
      /not the declared 7/,
    );
    const huge = new Uint8Array(
      Buffer.concat([Buffer.from(SIG), ihdr(1 << 20, 1 << 20, 8, 0), chunk('IEND', [])]),
    );
    expectFormatError(() => decodePng(huge), /exceeds/);
    const noIdat = new Uint8Array(Buffer.concat([Buffer.from(SIG), ihdr(1, 1, 8, 0), chunk('IEND', [])]));
    expectFormatError(() => decodePng(noIdat), /no IDAT/);
  });

  it('turns any single corrupted byte into a FileFormatError (or a valid image), never another error', () => {
    const file = encodePng({
      width: 5,
      height: 4,
      channels: 4,
      data: new Uint8Array(80).map((_, i) => i * 3),
    });
    expect(everyByteCorruption(file, (b) => decodePng(b))).toBeGreaterThan(file.length);
  });
});
