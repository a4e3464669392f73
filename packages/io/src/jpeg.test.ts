// Compares decodeJpeg (jpeg-js) with libjpeg-turbo's djpeg on files written by its cjpeg (Debian package
// libjpeg-turbo-progs). Without cjpeg/djpeg these tests fail: they do not skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { everyByteCorruption } from '../../testing/src/corruption.ts';
import { FileFormatError } from './errors.js';
import { decodeImage } from './image.js';
import { decodeJpeg, isJpeg } from './jpeg.js';
import { cjpeg, parsePnm } from './testing/libjpeg-files.js';

function expectError(fn: () => unknown, type: typeof FileFormatError, message: RegExp): void {
  expect(fn).toThrow(type);
  expect(fn).toThrow(message);
}

const dir = mkdtempSync(join(tmpdir(), 'befunet-jpeg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let compared = 0;

/**
 * Largest difference between our decode and djpeg's, with djpeg set to the nearest of jpeg-js's
 * choices: the floating-point IDCT (`-dct float`) and the replicating upsampler (`-nosmooth`).
 */
function maxDifference(jpeg: Uint8Array): number {
  const file = join(dir, `cmp${compared++}.jpg`);
  writeFileSync(file, jpeg);
  const reference = parsePnm(execFileSync('djpeg', ['-dct', 'float', '-nosmooth', '-pnm', file]));
  const ours = decodeJpeg(jpeg, file);
  expect([ours.width, ours.height, ours.channels]).toEqual([
    reference.width,
    reference.height,
    reference.channels,
  ]);
  let worst = 0;
  for (let i = 0; i < ours.data.length; i++)
    worst = Math.max(worst, Math.abs(ours.data[i]! - reference.data[i]!));
  return worst;
}

// jpeg-js's integer IDCT differs from libjpeg's float IDCT by at most 3 levels on these files
// (measured by bench/jpeg.ts: 1 on grey, 2 or 3 on colour, where the YCbCr conversion adds one).
const cases: [string, number, number, 1 | 3, string[], number][] = [
  ['baseline 4:2:0 (cjpeg default)', 32, 24, 3, [], 3],
  ['baseline 4:4:4', 32, 24, 3, ['-sample', '1x1'], 3],
  ['baseline 4:2:2', 32, 24, 3, ['-sample', '2x1'], 3],
  ['baseline 4:1:1', 40, 16, 3, ['-sample', '4x1'], 3],
  ['baseline 4:4:0', 24, 32, 3, ['-sample', '1x2'], 3],
  ['baseline odd size 17x13, 4:2:0', 17, 13, 3, ['-sample', '2x2'], 3],
  ['baseline grey', 17, 13, 1, [], 1],
  ['grey from colour input', 32, 24, 3, ['-grayscale'], 1],
  ['optimised Huffman tables, quality 95', 33, 21, 3, ['-optimize', '-quality', '95'], 3],
  ['restart every row', 33, 21, 3, ['-restart', '1'], 3],
  ['restart every 3 MCUs', 33, 21, 3, ['-restart', '3B'], 3],
  ['progressive 4:2:0', 32, 24, 3, ['-progressive'], 3],
  ['progressive 4:4:4 odd size', 17, 13, 3, ['-progressive', '-sample', '1x1'], 3],
  ['progressive 4:2:2 with restarts', 35, 19, 3, ['-progressive', '-sample', '2x1', '-restart', '2B'], 3],
  ['progressive grey', 17, 13, 1, ['-progressive'], 1],
  ['progressive quality 100', 24, 16, 3, ['-progressive', '-quality', '100'], 3],
  ['RGB colour space (Adobe transform 0)', 24, 16, 3, ['-rgb'], 3],
];

describe('decodeJpeg against djpeg', () => {
  it.each(cases)('%s', (_name, width, height, channels, args, bound) => {
    const jpeg = cjpeg(dir, width, height, channels, args);
    expect(isJpeg(jpeg)).toBe(true);
    const worst = maxDifference(jpeg);
    expect(worst).toBeLessThanOrEqual(bound);
  });

  it('decodes a 512x512 progressive file within 1 of djpeg on grey', () => {
    expect(maxDifference(cjpeg(dir, 512, 512, 1, ['-progressive']))).toBeLessThanOrEqual(1);
  });

  it('decodeImage returns the samples as float32 in 0..1', () => {
    const jpeg = cjpeg(dir, 17, 13, 3, []);
    const bytes = decodeJpeg(jpeg);
    const image = decodeImage(jpeg, 'x.jpg');
    expect([image.height, image.width, image.channels]).toEqual([13, 17, 3]);
    expect(Array.from(image.data)).toEqual(Array.from(bytes.data, (v) => Math.fround(v / 255)));
  });
});

describe('decodeJpeg rejects what it does not support', () => {
  const baseline = cjpeg(dir, 16, 16, 3, []);
  /** The offset of the first frame header's payload (after FF Cx and the length). */
  const sof = baseline.findIndex((b, i) => b === 0xff && baseline[i + 1] === 0xc0) + 4;

  it('arithmetic coding, naming the file', () => {
    expectError(
      () => decodeJpeg(cjpeg(dir, 16, 16, 3, ['-arithmetic']), 'a.jpg'),
      FileFormatError,
      /a\.jpg.*arithmetic/,
    );
  });

  it('12-bit precision', () => {
    const bad = baseline.slice();
    bad[sof] = 12;
    expectError(() => decodeJpeg(bad, 'p.jpg'), FileFormatError, /p\.jpg.*12-bit/);
  });

  it('four components (CMYK)', () => {
    const bad = baseline.slice();
    bad[sof + 5] = 4;
    expectError(() => decodeJpeg(bad, 'c.jpg'), FileFormatError, /CMYK/);
  });

  it('lossless frames', () => {
    const bad = baseline.slice();
    bad[sof - 3] = 0xc3;
    expectError(() => decodeJpeg(bad, 'l.jpg'), FileFormatError, /lossless/);
  });

  it('a height of 0 (DNL)', () => {
    const bad = baseline.slice();
    bad[sof + 1] = 0;
    bad[sof + 2] = 0;
    expectError(() => decodeJpeg(bad, 'd.jpg'), FileFormatError, /DNL/);
  });

  it('a size the file is too small to code', () => {
    const bad = baseline.slice();
    bad.set([0xff, 0xff, 0xff, 0xff], sof + 1);
    expectError(() => decodeJpeg(bad, 'big.jpg'), FileFormatError, /65535x65535/);
  });

  it('truncated files, and every byte replaced, end in a FileFormatError or a decode', () => {
    for (const cut of [0, 3, 100, baseline.length - 2]) {
      expectError(() => decodeJpeg(baseline.subarray(0, cut), 't.jpg'), FileFormatError, /t\.jpg/);
    }
    const progressive = cjpeg(dir, 16, 16, 3, ['-progressive', '-restart', '1B']);
    for (let cut = 0; cut < progressive.length; cut++) {
      expect(() => decodeJpeg(progressive.subarray(0, cut)), `cut at ${cut}`).toThrow(FileFormatError);
    }
    expect(everyByteCorruption(progressive, (b) => decodeJpeg(b))).toBeGreaterThan(progressive.length / 2);
  });

  it('decodeImage still names non-image bytes', () => {
    expectError(() => decodeImage(new Uint8Array(8), 'n.bin'), FileFormatError, /n\.bin.*unknown magic/);
  });
});
