/**
 * Benchmark of a BEFUnet model on the active backend: forward latency at batch 1, throughput at a
 * larger batch, one training step (SGD with momentum, cross-entropy on the logits), peak memory, and
 * the kernels that take the most time. Every timing is the median of `runs` runs after `warmup` runs,
 * each ended by reading back one number (so that queued GPU work is included).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { befunetConfigOf } from '../../src/model/befunet.js';
import { logitsOf, type TimingMs, time } from './timing.js';
import { sgdTrainingStep } from './training-step.js';

export { type TimingMs, time } from './timing.js';

import { readOneAndDispose } from './issue-time.js';
import { benchReplayedForward, type EncodeCost } from './replayed-forward-bench.js';
import { benchReplayedTrainingStep, type ReplayedTrainingStepResult } from './replayed-training-bench.js';

export interface ModelBenchOptions {
  /** Batch size of the throughput and training measurements. Defaults to 10. */
  batch?: number;
  /** Timed runs per measurement. Defaults to 10. */
  runs?: number;
  /** Untimed runs before (shader compilation, allocation). Defaults to 3. */
  warmup?: number;
  /** Measure a training step. Defaults to true. */
  train?: boolean;
  /** Number of kernels listed in the breakdown (0: none). Defaults to 12. */
  topKernels?: number;
  /** On WebGPU, also time the forward passes replayed from a capture (ReplayedPredictor). Defaults to true. */
  replay?: boolean;
  /** Called with a line of progress. */
  log?: (line: string) => void;
}

export interface ModelBenchResult {
  backend: string;
  parameters: number;
  imageSize: number;
  forwardBatch1: TimingMs;
  forwardBatch: { batch: number; timing: TimingMs; imagesPerSecond: number };
  /**
   * The same forward passes replayed from a capture (WebGPU only): the same kernels without
   * TF.js's CPU work per launch; `encodeMs` is the CPU time to issue one batch-1 pass either way.
   */
  replayed?: {
    forwardBatch1: TimingMs;
    forwardBatch: { batch: number; timing: TimingMs; imagesPerSecond: number };
    dispatches: number;
    encodeMs: EncodeCost;
    heldBytes: number;
  };
  trainStep?: { batch: number; timing: TimingMs; replayed?: ReplayedTrainingStepResult };
  /** Largest number of bytes held by tensors during one forward pass at batch 1 / one training step. */
  peakBytes: { forwardBatch1: number; trainStep?: number };
  /** Bytes of GPU buffers the WebGPU backend holds (in use or pooled for reuse) after the runs. */
  gpuBufferBytes?: number;
  /** The slowest kernels of one forward pass at batch 1 (GPU time where the backend reports it). */
  kernels: KernelTime[];
  /** The slowest kernels of one training step. */
  trainKernels?: KernelTime[];
  /** Kernels run by one forward pass at batch 1 and by one training step (dispatches on WebGPU). */
  kernelCounts: { forwardBatch1: number; trainStep?: number };
}

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;

export interface KernelTime {
  name: string;
  count: number;
  totalMs: number;
}

/** Kernel times of a profile, summed by kernel name, slowest first. */
function kernelTimes(profile: ProfileInfo, top: number): KernelTime[] {
  const byName = new Map<string, { count: number; totalMs: number }>();
  for (const k of profile.kernels) {
    if (isCustomGradientWrapper(k.name)) continue;
    const entry = byName.get(k.name) ?? { count: 0, totalMs: 0 };
    entry.count++;
    entry.totalMs += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, entry);
  }
  return [...byName]
    .map(([name, v]) => ({ name, ...v }))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
}

/** The entries tf.profile lists for `tf.customGrad` wrappers, around the kernels they run. */
const isCustomGradientWrapper = (name: string) => name === '' || name === 'unnamed scope';

/**
 * Kernels that launch GPU work: not the custom-gradient wrappers, not the `__op` entries of fused ops
 * (listed beside their kernel), not reshapes and identities (they only relabel a buffer).
 */
const countLaunches = (profile: ProfileInfo) =>
  profile.kernels.filter(
    ({ name }) =>
      !isCustomGradientWrapper(name) && name !== 'Reshape' && name !== 'Identity' && !name.endsWith('__op'),
  ).length;

/** The WebGPU backend's pooled and in-use buffer bytes, when the backend reports them. */
function gpuBufferBytes(): number | undefined {
  const m = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
  return m.numBytesAllocatedInGPU;
}

export interface TrainingStepResult {
  timing: TimingMs;
  /** Largest number of bytes held by tensors during one step. */
  peakBytes: number;
  kernels: KernelTime[];
  kernelCount: number;
  /** The same step replayed from a capture (WebGPU only). */
  replayed?: ReplayedTrainingStepResult;
}

/**
 * Times training steps of `model` on the images `x` (SGD with momentum 0.01 / 0.9, softmax
 * cross-entropy of the logits against fixed random labels): one first step (shader compilation on
 * WebGPU, logged), then `warmup - 1` more untimed and `runs` timed, then one profiled.
 */
export async function benchTrainingStep(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: {
    runs?: number;
    warmup?: number;
    topKernels?: number;
    /** On WebGPU, also time the step replayed from a capture. Defaults to true. */
    replay?: boolean;
    log?: (line: string) => void;
  } = {},
): Promise<TrainingStepResult> {
  const batch = x.shape[0]!;
  const log = options.log ?? (() => {});
  log(`training step, batch ${batch}`);
  const { step, labels, dispose } = sgdTrainingStep(model, x);
  try {
    const first = performance.now();
    await step();
    log(
      `training step, batch ${batch}: first step (shader compilation included) ${(performance.now() - first).toFixed(0)} ms`,
    );
    const timing = await time(step, options.runs ?? 5, Math.max(0, Math.min(2, options.warmup ?? 3) - 1));
    log(
      `training step, batch ${batch}: median ${timing.median.toFixed(2)} ms (min ${timing.min.toFixed(2)})`,
    );
    const profile = await tf.profile(step);
    const replayed =
      (options.replay ?? true) && tf.getBackend() === 'webgpu'
        ? await benchReplayedTrainingStep(model, x, labels, {
            runs: options.runs ?? 5,
            warmup: options.warmup ?? 3,
            log,
          })
        : undefined;
    return {
      timing,
      peakBytes: profile.peakBytes,
      kernels: kernelTimes(profile, options.topKernels ?? 12),
      kernelCount: countLaunches(profile),
      ...(replayed ? { replayed } : {}),
    };
  } finally {
    dispose();
  }
}

export async function benchModel(
  model: tfl.LayersModel,
  options: ModelBenchOptions = {},
): Promise<ModelBenchResult> {
  const { imageSize } = befunetConfigOf(model);
  const batch = options.batch ?? 10;
  const runs = options.runs ?? 10;
  const warmup = options.warmup ?? 3;
  const log = options.log ?? (() => {});
  const input = (b: number) => tf.randomUniform([b, imageSize, imageSize, 3], 0, 1, 'float32', 1);

  // The same read-back as the replayed forward's, so that the two rows time the same thing.
  const forward = (x: tf.Tensor) => () => readOneAndDispose(model.predict(x) as tf.Tensor | tf.Tensor[]);

  const x1 = input(1);
  const xb = input(batch);
  const replayed =
    (options.replay ?? true) && tf.getBackend() === 'webgpu'
      ? await benchReplayedForward(model, x1, xb, { runs, warmup, log })
      : undefined;
  log(`forward, batch 1 (${warmup} warm-up + ${runs} runs)`);
  const forwardBatch1 = await time(forward(x1), runs, warmup);
  log(`forward, batch 1: median ${forwardBatch1.median.toFixed(2)} ms (min ${forwardBatch1.min.toFixed(2)})`);
  log(`forward, batch ${batch}`);
  const forwardBatch = await time(forward(xb), runs, warmup);
  log(
    `forward, batch ${batch}: median ${forwardBatch.median.toFixed(2)} ms (min ${forwardBatch.min.toFixed(2)})`,
  );

  const profile = await tf.profile(async () => {
    const out = model.predict(x1) as tf.Tensor | tf.Tensor[];
    await logitsOf(out).data();
    tf.dispose(out);
  });
  const top = options.topKernels ?? 12;

  const result: ModelBenchResult = {
    backend: tf.getBackend(),
    parameters: model.countParams(),
    imageSize,
    forwardBatch1,
    forwardBatch: { batch, timing: forwardBatch, imagesPerSecond: (1000 * batch) / forwardBatch.median },
    ...(replayed ? { replayed } : {}),
    peakBytes: { forwardBatch1: profile.peakBytes },
    kernels: kernelTimes(profile, top),
    kernelCounts: { forwardBatch1: countLaunches(profile) },
  };

  if (options.train ?? true) {
    const train = await benchTrainingStep(model, xb, {
      runs: Math.max(3, Math.ceil(runs / 2)),
      warmup,
      log,
      topKernels: top,
      replay: options.replay,
    });
    result.trainStep = {
      batch,
      timing: train.timing,
      ...(train.replayed ? { replayed: train.replayed } : {}),
    };
    result.peakBytes.trainStep = train.peakBytes;
    result.trainKernels = train.kernels;
    result.kernelCounts.trainStep = train.kernelCount;
  }
  tf.dispose([x1, xb]);
  result.gpuBufferBytes = gpuBufferBytes();
  return result;
}

/** A fixed-width text table of one or more results, one column per result. */
export function formatBenchTable(results: { label: string; result: ModelBenchResult }[]): string {
  const ms = (t: TimingMs) => `${t.median.toFixed(1)} ms`;
  const mb = (b: number | undefined) => (b == null ? '-' : `${(b / 2 ** 20).toFixed(0)} MiB`);
  const issueCost = (cost: EncodeCost) => `${cost.tfjs.toFixed(1)} / ${cost.replay.toFixed(2)} ms`;
  const rows: [string, ...string[]][] = [
    ['', ...results.map((r) => r.label)],
    ['backend', ...results.map((r) => r.result.backend)],
    ['parameters', ...results.map((r) => r.result.parameters.toLocaleString('en-US'))],
    ['forward, batch 1', ...results.map((r) => ms(r.result.forwardBatch1))],
    [
      'forward, batch 1, replayed',
      ...results.map((r) => (r.result.replayed ? ms(r.result.replayed.forwardBatch1) : '-')),
    ],
    ...results
      .slice(0, 1)
      .map((r): [string, ...string[]] => [
        `forward, batch ${r.result.forwardBatch.batch}`,
        ...results.map(
          (q) =>
            `${ms(q.result.forwardBatch.timing)} (${q.result.forwardBatch.imagesPerSecond.toFixed(1)} img/s)`,
        ),
      ]),
    ...results
      .slice(0, 1)
      .map((r): [string, ...string[]] => [
        `forward, batch ${r.result.forwardBatch.batch}, replayed`,
        ...results.map((q) =>
          q.result.replayed
            ? `${ms(q.result.replayed.forwardBatch.timing)} (${q.result.replayed.forwardBatch.imagesPerSecond.toFixed(1)} img/s)`
            : '-',
        ),
      ]),
    [
      'CPU to issue forward b1, TF.js / replay',
      ...results.map((r) => (r.result.replayed ? issueCost(r.result.replayed.encodeMs) : '-')),
    ],
    ['training step', ...results.map((r) => (r.result.trainStep ? ms(r.result.trainStep.timing) : '-'))],
    [
      'training step, replayed',
      ...results.map((r) => (r.result.trainStep?.replayed ? ms(r.result.trainStep.replayed.timing) : '-')),
    ],
    [
      'CPU to issue a step, TF.js / replay',
      ...results.map((r) => {
        const cost = r.result.trainStep?.replayed?.encodeMs;
        return cost ? issueCost(cost) : '-';
      }),
    ],
    ['GPU memory, replayed step', ...results.map((r) => mb(r.result.trainStep?.replayed?.memoryBytes))],
    ['peak tensors, forward b1', ...results.map((r) => mb(r.result.peakBytes.forwardBatch1))],
    ['peak tensors, train step', ...results.map((r) => mb(r.result.peakBytes.trainStep))],
    ['GPU buffers held', ...results.map((r) => mb(r.result.gpuBufferBytes))],
    [
      'kernels, forward b1 / step',
      ...results.map(
        (r) => `${r.result.kernelCounts.forwardBatch1} / ${r.result.kernelCounts.trainStep ?? '-'}`,
      ),
    ],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n');
}
