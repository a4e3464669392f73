/**
 * Test and bench helper (not built into dist): JPEG files written by libjpeg-turbo's cjpeg from a
 * test picture, and djpeg's PNM output parsed, for comparisons with the decoders.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A test picture: smooth gradients plus a fine checker and a sharp disc, per channel different. */
export function picture(width: number, height: number, channels: 1 | 3): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        const disc = (x - width / 2) ** 2 + (y - height / 3) ** 2 < (width / 4) ** 2 ? 90 : 0;
        const checker = ((x >> 1) + (y >> 1) + c) % 2 ? 25 : 0;
        out[(y * width + x) * channels + c] = (x * 7 + y * 3 * (c + 1) + disc + checker + 40 * c) % 256;
      }
  return out;
}

/** A binary PGM (P5) or PPM (P6) file. */
export function pnm(width: number, height: number, channels: 1 | 3, data: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`P${channels === 1 ? 5 : 6}\n${width} ${height}\n255\n`),
    Buffer.from(data),
  ]);
}

/** Parses djpeg's binary PGM/PPM output. */
export function parsePnm(bytes: Buffer): {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
} {
  const header = /^P([56])\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('djpeg did not write a PNM file');
  const [width, height] = [Number(header[2]), Number(header[3])];
  const channels = header[1] === '5' ? 1 : 3;
  return { width, height, channels, data: new Uint8Array(bytes.subarray(header[0].length)) };
}

let counter = 0;
/** The test picture compressed by `cjpeg args` (its input PNM written to `dir`). */
export function cjpeg(
  dir: string,
  width: number,
  height: number,
  channels: 1 | 3,
  args: string[],
): Uint8Array {
  const input = join(dir, `in${counter++}.pnm`);
  writeFileSync(input, pnm(width, height, channels, picture(width, height, channels)));
  return new Uint8Array(execFileSync('cjpeg', [...args, input]));
}
