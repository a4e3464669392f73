/**
 * The GPU host measurements, in one run (see ../../shared/device/README.md and the root README):
 *  1. WebGPU through Dawn's Vulkan backend: which adapter;
 *  2. parity of the `official` graph with the official fixtures on that GPU (when the fixture files
 *     are given with --fixtures DIR);
 *  3. benchModel for the `official` and `paper` presets at Swin-T width, 224x224.
 * Prints a table and writes JSON to --out FILE.
 *
 * usage: bash .gpu/run.sh [--fixtures DIR] [--out FILE] [--runs N] [--batch N] [--path vulkan|opengl|auto] [--quick] [--no-train]
 *
 * On the NVIDIA hosts, Dawn's Vulkan needs the glvnd libraries (libGLX_nvidia depends on them):
 * carry the .deb files of libglvnd0 libglx0 libegl1 libopengl0 libgl1 libgles2, unpack them with
 * `dpkg -x` into / and run `ldconfig`, and set VK_DRIVER_FILES to the driver's nvidia_icd.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSafetensors } from '@befunet/common';
import { initNodeWebGpu } from '@befunet/common/node';
import * as tf from '@tensorflow/tfjs-core';
import { benchModel, formatBenchTable, type ModelBenchResult } from '../src/bench/model-bench.js';
import { createBefunet, tapModel } from '../src/model/befunet.js';
import { befunetConfig } from '../src/model/config.js';
import { importOfficialStateDict } from '../src/weights/official-checkpoint.js';
import { readCheckpoint } from '../src/weights/read-checkpoint.js';

const { values: args } = parseArgs({
  options: {
    fixtures: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string', default: '10' },
    batch: { type: 'string', default: '10' },
    path: { type: 'string', default: 'vulkan' },
    quick: { type: 'boolean', default: false },
    'no-train': { type: 'boolean', default: false },
  },
});
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const report: Record<string, unknown> = {};

const gpu = await initNodeWebGpu({
  path: args.path as 'vulkan' | 'opengl' | 'auto',
  dawnFlags: ['enable-dawn-features=allow_unsafe_apis'],
});
report.adapter = { path: gpu.path, ...gpu.adapterInfo };
log(`webgpu on ${gpu.path}: ${JSON.stringify(gpu.adapterInfo)}`);

if (args.fixtures) {
  const t0 = performance.now();
  const io = readSafetensors(
    new Uint8Array(readFileSync(join(args.fixtures, 'official_mini_io.safetensors'))),
  ).tensors;
  const weights = readCheckpoint(
    new Uint8Array(readFileSync(join(args.fixtures, 'official_mini.safetensors'))),
  );
  const header = JSON.parse(
    readSafetensors(new Uint8Array(readFileSync(join(args.fixtures, 'official_mini.safetensors')))).metadata
      .config!,
  );
  const model = createBefunet('official', {
    numClasses: header.n_classes,
    swin: { embedDim: header.swin_embed_dim, depths: header.swin_depths, numHeads: header.swin_heads },
  });
  importOfficialStateDict(model, weights);
  const entry = (k: string) => io.get(k)!;
  const input = tf.transpose(tf.tensor(entry('input').values, [...entry('input').shape]), [0, 2, 3, 1]);
  const logits = tf.transpose(tf.tensor(entry('logits').values, [...entry('logits').shape]), [0, 2, 3, 1]);
  const out = tapModel(model, ['decoder']).predict(input) as tf.Tensor;
  const maxAbs = (await tf.max(tf.abs(tf.sub(out, logits))).data())[0]!;
  const scale = (await tf.max(tf.abs(logits)).data())[0]!;
  report.officialParity = { maxAbsError: maxAbs, logitScale: scale, relativeToScale: maxAbs / scale };
  log(
    `official_mini parity on the GPU: max |error| ${maxAbs.toExponential(2)} (logits up to ${scale.toFixed(2)}), ${(performance.now() - t0).toFixed(0)} ms`,
  );
  tf.dispose([input, logits, out]);
  model.dispose();
}

const results: { label: string; result: ModelBenchResult }[] = [];
const runs = Number(args.runs);
const batch = Number(args.batch);
for (const preset of ['official', 'paper'] as const) {
  const config = args.quick
    ? befunetConfig('tiny', preset === 'official' ? { graph: 'official', edgeChannels: 8 } : {})
    : befunetConfig(preset);
  const model = createBefunet(config);
  log(`${preset}: ${model.countParams().toLocaleString('en-US')} parameters`);
  const t0 = performance.now();
  const result = await benchModel(model, {
    batch,
    runs,
    warmup: 3,
    train: !args['no-train'],
    log: (l) => log(`${preset}: ${l}`),
  });
  log(`${preset}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  results.push({ label: preset, result });
  model.dispose();
}
report.results = results;
report.memory = tf.memory();
console.log(formatBenchTable(results));
for (const { label, result } of results) {
  console.log(`\n${label}: slowest kernels of one forward pass at batch 1 (GPU ms)`);
  for (const k of result.kernels)
    console.log(`  ${k.name.padEnd(28)} ${String(k.count).padStart(5)} x  ${k.totalMs.toFixed(2)} ms`);
}
if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 2));
gpu.dispose();
