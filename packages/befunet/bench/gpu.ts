/**
 * The GPU host measurements, in one run (see ../../shared/device/README.md and the root README):
 *  1. WebGPU through Dawn's Vulkan backend: which adapter;
 *  2. parity of the `official` graph with the official fixtures on that GPU (when the fixture files
 *     are given with --fixtures DIR);
 *  3. benchModel for the `official` and `paper` presets at Swin-T width, 224x224, with our WebGPU
 *     kernels (@befunet/kernels, webgpu/webgpu-kernels.ts; fused LayerNorm and GELU come with the layers);
 *  4. with --stock-batch N: training steps of the `official` preset at batch N with our kernels and
 *     low-memory backpropagation, with TF.js's own of everything, and with each of ours taken back
 *     in turn (what each one changes; last, since TF.js's own kernels may take long).
 *  5. with --submit-batches: the official forward at batch 1 with each WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE.
 * Prints a table and the slowest kernels, and writes JSON to --out FILE after every stage.
 *
 * usage: bash .gpu/run.sh [--fixtures DIR] [--out FILE] [--runs N] [--batch N] [--path vulkan|opengl|auto]
 *        [--quick] [--no-train] [--presets official,paper] [--variant-flag NAME=VALUE] [--stock-batch N]
 *        [--submit-batches 15,64,1000]
 *
 * On the NVIDIA hosts, Dawn's Vulkan needs the glvnd libraries (libGLX_nvidia depends on them):
 * carry the .deb files of libglvnd0 libglx0 libegl1 libopengl0 libgl1 libgles2, unpack them with
 * `dpkg -x` into / and run `ldconfig`, and set VK_DRIVER_FILES to the driver's nvidia_icd.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSafetensors } from '@befunet/common';
import {
  CapturedCall,
  installLowMemoryGradients,
  registerWebGpuKernels,
  restoreWebGpuKernel,
  WEBGPU_KERNELS,
} from '@befunet/kernels';
import { initNodeWebGpu } from '@befunet/kernels/node';
import * as tf from '@tensorflow/tfjs-core';
import { createBefunet, tapModel } from '../src/model/befunet.js';
import { befunetConfig } from '../src/model/config.js';
import { importOfficialStateDict } from '../src/weights/official-checkpoint.js';
import { readCheckpoint } from '../src/weights/read-checkpoint.js';
import {
  benchModel,
  benchTrainingStep,
  formatBenchTable,
  type ModelBenchResult,
  time,
} from './lib/model-bench.js';

const { values: args } = parseArgs({
  options: {
    fixtures: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string', default: '10' },
    batch: { type: 'string', default: '10' },
    path: { type: 'string', default: 'vulkan' },
    quick: { type: 'boolean', default: false },
    'no-train': { type: 'boolean', default: false },
    presets: { type: 'string', default: 'official,paper' },
    'variant-flag': { type: 'string' },
    'stock-batch': { type: 'string' },
    'submit-batches': { type: 'string' },
  },
});
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const report: Record<string, unknown> = {};

const gpu = await initNodeWebGpu({
  path: args.path as 'vulkan' | 'opengl' | 'auto',
  // Timestamps in full resolution (Dawn rounds them to 2^16 ns by default: each kernel time 0 or 65 us).
  dawnFlags: ['enable-dawn-features=allow_unsafe_apis', 'disable-dawn-features=timestamp_quantization'],
});
report.adapter = { path: gpu.path, ...gpu.adapterInfo };
log(`webgpu on ${gpu.path}: ${JSON.stringify(gpu.adapterInfo)}`);
report.kernels = registerWebGpuKernels();
const restoreGradients = installLowMemoryGradients();
const save = () => {
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 2));
};

{
  // The floor under every forward timing: one small kernel, submitted, and its result read back.
  const x = tf.ones([4]);
  const roundTrip = await time(
    async () => {
      const y = tf.add(x, 1);
      await y.data();
      y.dispose();
    },
    50,
    10,
  );
  report.roundTripMs = roundTrip;
  log(
    `round trip (one small kernel, read back): median ${roundTrip.median.toFixed(2)} ms (min ${roundTrip.min.toFixed(2)})`,
  );
  // What one more dispatch costs the GPU in a replay: chains of small dependent adds, captured and
  // replayed, timed at two lengths (the difference over the extra dispatches).
  const chain = (length: number) => (inputs: tf.Tensor[]) => {
    let y = inputs[0]!;
    for (let i = 0; i < length; i++) {
      const next = tf.add(y, 1);
      if (y !== inputs[0]) y.dispose();
      y = next;
    }
    return y;
  };
  const replayTime = async (length: number) => {
    const { capture, outputs } = CapturedCall.capture(chain(length), [x]);
    tf.dispose(outputs);
    const timing = await time(
      async () => {
        const [y] = capture.replay([x]);
        await y!.data();
        y!.dispose();
      },
      30,
      5,
    );
    capture.dispose();
    return timing.median;
  };
  const [short, long] = [await replayTime(50), await replayTime(1050)];
  report.dispatchCostUs = long - short; // ms per 1000 dispatches = us per dispatch
  log(
    `dispatch cost in a replay: ${(long - short).toFixed(2)} us per small dependent kernel (50 kernels: ${short.toFixed(2)} ms, 1050: ${long.toFixed(2)} ms)`,
  );
  x.dispose();
}

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
  save();
}

const results: { label: string; result: ModelBenchResult }[] = [];
report.results = results;
const runs = Number(args.runs);
const batch = Number(args.batch);
const configOf = (preset: 'official' | 'paper') =>
  args.quick
    ? befunetConfig('tiny', preset === 'official' ? { graph: 'official', edgeChannels: 8 } : {})
    : befunetConfig(preset);
// Each preset as configured, then (with --variant-flag NAME=VALUE) the first preset again with that
// tf.env() flag set: the same measurements of another configuration, side by side.
const benchRuns: [preset: 'official' | 'paper', flag?: [string, string]][] = (
  args.presets.split(',') as ('official' | 'paper')[]
).map((preset) => [preset]);
if (args['variant-flag']) {
  const [name, value] = args['variant-flag'].split('=') as [string, string];
  benchRuns.push([benchRuns[0]![0], [name, value]]);
}
for (const [preset, flag] of benchRuns) {
  const label = flag ? `${preset}, ${flag[0]}=${flag[1]}` : preset;
  const previous = flag ? tf.env().get(flag[0]) : undefined;
  if (flag) tf.env().set(flag[0], Number(flag[1]));
  const model = createBefunet(configOf(preset));
  log(`${label}: ${model.countParams().toLocaleString('en-US')} parameters`);
  const t0 = performance.now();
  const result = await benchModel(model, {
    batch,
    runs,
    warmup: 3,
    topKernels: 24,
    train: !args['no-train'],
    log: (l) => log(`${label}: ${l}`),
  });
  log(`${label}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  results.push({ label, result });
  model.dispose();
  if (flag) tf.env().set(flag[0], previous!);
  save();
}
report.memory = tf.memory();
console.log(formatBenchTable(results));
const printKernels = (title: string, kernels: ModelBenchResult['kernels']) => {
  console.log(`\n${title} (GPU ms)`);
  for (const k of kernels) {
    console.log(`  ${k.name.padEnd(36)} ${String(k.count).padStart(5)} x  ${k.totalMs.toFixed(2)} ms`);
  }
};
for (const { label, result } of results) {
  printKernels(`${label}: slowest kernels of one forward pass at batch 1`, result.kernels);
  if (result.trainKernels) {
    printKernels(`${label}: slowest kernels of one training step at batch ${batch}`, result.trainKernels);
  }
}

if (args['submit-batches']) {
  // TF.js submits the GPU commands every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE launches (default 15):
  // the official forward at batch 1 with each value given (fewer submits, later GPU start).
  const model = createBefunet(configOf('official'));
  const x = tf.randomUniform([1, model.inputs[0]!.shape[1]!, model.inputs[0]!.shape[2]!, 3]);
  const forward = async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  const bySubmitBatch: Record<string, unknown> = {};
  report.submitBatches = bySubmitBatch;
  const previous = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
  for (const size of args['submit-batches'].split(',').map(Number)) {
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', size);
    const timing = await time(forward, runs, 3);
    bySubmitBatch[size] = timing;
    log(`official forward b1, submit every ${size} launches: median ${timing.median.toFixed(2)} ms`);
    save();
  }
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', previous);
  tf.dispose(x);
  model.dispose();
}

if (args['stock-batch']) {
  // Training steps of the official preset at a small batch: our kernels, TF.js's own, and ours with
  // one of them back to TF.js's (what each one changes).
  const stockBatch = Number(args['stock-batch']);
  const model = createBefunet(configOf('official'));
  const x = tf.randomUniform([stockBatch, model.inputs[0]!.shape[1]!, model.inputs[0]!.shape[2]!, 3]);
  // label, kernels back to TF.js's own, low-memory backpropagation
  const variants: [string, string[], boolean][] = [
    ['ours', [], true],
    ['TF.js own', WEBGPU_KERNELS.map((k) => k.kernelName), false],
    ['ours but TF.js backpropagation', [], false],
    ...WEBGPU_KERNELS.map(({ kernelName }): [string, string[], boolean] => [
      `ours but TF.js ${kernelName}`,
      [kernelName],
      true,
    ]),
  ];
  const comparison: Record<string, unknown> = { batch: stockBatch };
  report.stockComparison = comparison;
  for (const [label, own, lowMemory] of variants) {
    registerWebGpuKernels();
    for (const name of own) restoreWebGpuKernel(name);
    if (lowMemory) installLowMemoryGradients();
    else restoreGradients();
    const r = await benchTrainingStep(model, x, {
      runs: 3,
      warmup: 1,
      topKernels: 8,
      log: (l) => log(`${label}: ${l}`),
    });
    comparison[label] = r;
    save();
    console.log(
      `official training step at batch ${stockBatch}, ${label}: ${r.timing.median.toFixed(1)} ms, ` +
        `peak tensors ${(r.peakBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    if (label === 'TF.js own')
      printKernels(
        `official: slowest kernels of one training step at batch ${stockBatch}, ${label}`,
        r.kernels,
      );
  }
  registerWebGpuKernels();
  installLowMemoryGradients();
  tf.dispose(x);
  model.dispose();
}
save();
gpu.dispose();
