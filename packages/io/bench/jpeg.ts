/**
 * JPEG decoders compared (issue 20): jpeg-js (pure JavaScript) and @jsquash/jpeg (MozJPEG, i.e.
 * libjpeg-turbo, in wasm). For each file written by cjpeg: the largest difference from djpeg
 * (in two settings: float IDCT + replicating upsampler, and libjpeg's defaults), and the median
 * decode time in Node; then the minified+gzipped browser bundle of an entry importing each one.
 *
 *   node ../../node_modules/tsx/dist/cli.mjs bench/jpeg.ts [--runs 15]
 *
 * Needs cjpeg and djpeg (libjpeg-turbo-progs) on the PATH. Not part of the package (not in dist).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import jsquashDecode, { init as initJsquash } from '@jsquash/jpeg/decode.js';
import { build } from 'esbuild';
import jpegJs from 'jpeg-js';
import { cjpeg, parsePnm } from '../src/testing/libjpeg-files.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'befunet-jpeg-bench-'));

let files = 0;
/** The test picture compressed by `cjpeg args`, written to a file; returns its path. */
function cjpegFile(width: number, height: number, channels: 1 | 3, args: string[]): string {
  const file = join(dir, `f${files++}.jpg`);
  writeFileSync(file, cjpeg(dir, width, height, channels, args));
  return file;
}

function djpeg(file: string, args: string[]): { channels: number; data: Uint8Array } {
  return parsePnm(execFileSync('djpeg', [...args, '-pnm', file], { maxBuffer: 1 << 26 }));
}

/** Largest difference; `rgb` (3 or 4 samples per pixel) compared with djpeg's 1 or 3. */
function maxDiff(rgb: Uint8Array, step: number, ref: { channels: number; data: Uint8Array }): number {
  let worst = 0;
  const pixels = ref.data.length / ref.channels;
  for (let p = 0; p < pixels; p++)
    for (let c = 0; c < ref.channels; c++)
      worst = Math.max(worst, Math.abs(rgb[p * step + c]! - ref.data[p * ref.channels + c]!));
  return worst;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
async function time(f: () => unknown): Promise<number> {
  for (let i = 0; i < 3; i++) await f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const wasmPath = join(dirname(require.resolve('@jsquash/jpeg/decode.js')), 'codec/dec/mozjpeg_dec.wasm');
await initJsquash(await WebAssembly.compile(readFileSync(wasmPath)));

const cases: [string, number, number, 1 | 3, string[]][] = [
  ['baseline 4:2:0 32x24', 32, 24, 3, []],
  ['baseline 4:4:4', 32, 24, 3, ['-sample', '1x1']],
  ['baseline 4:2:2', 32, 24, 3, ['-sample', '2x1']],
  ['baseline 4:1:1', 40, 16, 3, ['-sample', '4x1']],
  ['baseline 4:4:0', 24, 32, 3, ['-sample', '1x2']],
  ['baseline odd 17x13', 17, 13, 3, ['-sample', '2x2']],
  ['baseline grey', 17, 13, 1, []],
  ['optimised q95', 33, 21, 3, ['-optimize', '-quality', '95']],
  ['restart every row', 33, 21, 3, ['-restart', '1']],
  ['restart every 3 MCUs', 33, 21, 3, ['-restart', '3B']],
  ['progressive 4:2:0', 32, 24, 3, ['-progressive']],
  ['progressive 4:2:2 + restarts', 35, 19, 3, ['-progressive', '-sample', '2x1', '-restart', '2B']],
  ['progressive grey', 17, 13, 1, ['-progressive']],
  ['progressive q100', 24, 16, 3, ['-progressive', '-quality', '100']],
  ['RGB (Adobe transform 0)', 24, 16, 3, ['-rgb']],
  ['512x512 grey progressive', 512, 512, 1, ['-progressive']],
  ['512x512 RGB 4:2:0 baseline', 512, 512, 3, []],
  ['1024x1024 RGB progressive + restarts', 1024, 1024, 3, ['-progressive', '-restart', '4B']],
];

const FLOAT = ['-dct', 'float', '-nosmooth'];
console.log(
  `| File | jpeg-js vs djpeg float/nosmooth | jpeg-js vs djpeg default | @jsquash vs djpeg float/nosmooth | @jsquash vs djpeg default | jpeg-js ms | @jsquash ms |`,
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [name, w, h, ch, args] of cases) {
  const file = cjpegFile(w, h, ch, args);
  const bytes = new Uint8Array(readFileSync(file));
  const refFloat = djpeg(file, FLOAT);
  const refDefault = djpeg(file, []);
  const js = jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: false });
  const sq = await jsquashDecode(bytes.slice().buffer);
  const row = [
    maxDiff(js.data, 3, refFloat),
    maxDiff(js.data, 3, refDefault),
    maxDiff(sq.data as unknown as Uint8Array, 4, refFloat),
    maxDiff(sq.data as unknown as Uint8Array, 4, refDefault),
    (await time(() => jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: false }))).toFixed(3),
    (await time(() => jsquashDecode(bytes.slice().buffer))).toFixed(3),
  ];
  console.log(`| ${name} | ${row.join(' | ')} |`);
}

// Bundle sizes: an entry that imports one decoder and calls it, bundled for the browser.
for (const [name, source] of [
  ['jpeg-js (lib/decoder.js)', "import decode from 'jpeg-js/lib/decoder.js'; globalThis.d = decode;"],
  ['@jsquash/jpeg (decode)', "import decode from '@jsquash/jpeg/decode.js'; globalThis.d = decode;"],
] as const) {
  const out = await build({
    stdin: { contents: source, resolveDir: process.cwd() },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.contents;
  console.log(`${name}: ${js.length} B minified, ${gzipSync(js, { level: 9 }).length} B gzipped`);
}
const wasm = readFileSync(wasmPath);
console.log(`mozjpeg_dec.wasm: ${wasm.length} B, ${gzipSync(wasm, { level: 9 }).length} B gzipped`);
rmSync(dir, { recursive: true, force: true });
