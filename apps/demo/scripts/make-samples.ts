/**
 * Writes the page's built-in samples: synthetic organ images (the data the `tiny` model is trained
 * on, `syntheticSample` of @befunet/core) as 8-bit grey PNGs, their ground-truth label maps as 8-bit
 * PNGs, and `samples.json` listing them. The seeds are far from the main job's training and held-out
 * seeds, so the samples are images the model has not seen.
 *
 *   pnpm --filter @befunet/demo samples
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, syntheticSample } from '@befunet/core';
import type { SampleEntry } from '../src/samples.js';

const SIZE = 128;
const NUM_CLASSES = 4;
const SEED = 90_210;
const COUNT = 3;
const outDir = join(import.meta.dirname, '..', 'public', 'samples');

const toByte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
const entries: SampleEntry[] = [];
for (let index = 0; index < COUNT; index++) {
  const sample = syntheticSample(SEED, index, { size: SIZE, numClasses: NUM_CLASSES });
  const file = `synthetic-${index + 1}.png`;
  const truth = `synthetic-${index + 1}.labels.png`;
  writeFileSync(
    join(outDir, file),
    encodePng({ width: SIZE, height: SIZE, channels: 1, data: Uint8Array.from(sample.image, toByte) }),
  );
  writeFileSync(
    join(outDir, truth),
    encodePng({ width: SIZE, height: SIZE, channels: 1, data: Uint8Array.from(sample.label) }),
  );
  entries.push({ file, truth, title: `Synthetic organs ${index + 1} (${SIZE}x${SIZE}, seed ${SEED})` });
}
writeFileSync(join(outDir, 'samples.json'), `${JSON.stringify(entries, null, 2)}\n`);
console.log(`wrote ${COUNT} samples to ${outDir}`);
