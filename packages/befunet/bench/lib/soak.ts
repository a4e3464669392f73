/**
 * Soak: many training steps of a tiny BEFUnet on the active backend (on WebGPU replayed once
 * settled, `SplitReplayedStep`), with TF.js's live tensors, the process memory (RSS, JS heap,
 * ArrayBuffers) and, on WebGPU, the bytes of GPU buffers sampled after the warm-up steps and every
 * `every` steps. Flat figures mean a long run neither leaks tensors nor host or GPU memory.
 * Each sample is taken after a full garbage collection (V8's gc, exposed at run time).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readBack } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { createBefunet } from '../../src/model/befunet.js';
import { befunetConfig } from '../../src/model/config.js';
import { Sgd } from '../../src/train/sgd.js';
import { SplitReplayedStep } from '../../src/train/split-replayed-step.js';
import { trainingLoss } from '../../src/train/training-loss.js';
import { memorySnapshot } from './leak-check.js';

export interface SoakOptions {
  /** Steps measured, after the warm-up steps. */
  steps: number;
  /** Image side in pixels. Defaults to 32. */
  size?: number;
  /** Steps between samples (and progress lines). Defaults to 100. */
  every?: number;
  /** Steps run before the first sample: optimizer slots, shaders and the replay captures. Defaults to 6. */
  warmups?: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  step: number;
  numTensors: number;
  rssBytes: number;
  heapUsedBytes: number;
  arrayBuffersBytes: number;
  gpuBytesUsed?: number;
  gpuBytesAllocated?: number;
  /** Bytes of GPU buffers the replay captures hold (WebGPU). */
  replayHeldBytes: number;
}

export interface SoakResult {
  backend: string;
  size: number;
  steps: number;
  replayedSteps: number;
  msPerStep: number;
  samples: SoakSample[];
}

const NUM_CLASSES = 4;

/** The tiny preset, narrowed (8 channels, windows of 2) so that a thousand steps fit a software GPU. */
export function soakConfig(size: number) {
  return befunetConfig('paper', {
    imageSize: size,
    numClasses: NUM_CLASSES,
    swin: { embedDim: 8, numHeads: [1, 1, 2, 2], windowSize: 2 },
    edgeChannels: 8,
    lcaf: { window: 2, shifted: true },
    dlf: { largeHeads: 1, smallHeads: 1 },
    decoder: { width: 8, predChannels: 4, groups: 4 },
  });
}

/** V8's full garbage collection, without --expose-gc on the command line. */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Full collections until the ArrayBuffer bytes settle: V8 frees ArrayBuffer backing stores on a
 * background sweeper, so right after one collection `arrayBuffers` still counts some freed ones.
 */
async function settledGc(): Promise<void> {
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    fullGc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = process.memoryUsage().arrayBuffers;
    if (now >= previous) return;
    previous = now;
  }
}

async function sample(step: number, replayed: SplitReplayedStep): Promise<SoakSample> {
  await settledGc();
  const usage = process.memoryUsage();
  const m = memorySnapshot();
  return {
    step,
    numTensors: m.numTensors,
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    arrayBuffersBytes: usage.arrayBuffers,
    ...(m.gpuBytesUsed !== undefined ? { gpuBytesUsed: m.gpuBytesUsed } : {}),
    ...(m.gpuBytesAllocated !== undefined ? { gpuBytesAllocated: m.gpuBytesAllocated } : {}),
    replayHeldBytes: replayed.heldBytes,
  };
}

/** Runs the soak on the active backend; the model and optimizer are disposed at the end. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const size = options.size ?? 32;
  const every = options.every ?? 100;
  const warmups = options.warmups ?? 6;
  const config = soakConfig(size);
  const model = createBefunet(config, {}, { seed: 5 });
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 1e-4 });
  const stepper = SplitReplayedStep.forModel(model, optimizer, (outputs, labels) =>
    trainingLoss(config.graph, outputs, labels),
  );
  const oneStep = async (step: number) => {
    const images = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 10 + step);
    const labels = tf.randomUniform([1, size, size], 0, NUM_CLASSES, 'int32', 20 + step);
    const loss = stepper.step([images], [labels], 0.01);
    await readBack('loss', () => loss.data());
    tf.dispose([images, labels, loss]);
  };
  try {
    for (let i = 0; i < warmups; i++) await oneStep(i);
    const samples = [await sample(0, stepper)];
    const replayedBefore = stepper.counts[0].replays;
    const t0 = performance.now();
    for (let step = 1; step <= options.steps; step++) {
      await oneStep(warmups + step);
      if (step % every === 0 || step === options.steps) {
        const s = await sample(step, stepper);
        if (s.step !== samples.at(-1)?.step) samples.push(s);
        options.log?.(progressLine(s, options.steps));
      }
    }
    return {
      backend: tf.getBackend(),
      size,
      steps: options.steps,
      replayedSteps: stepper.counts[0].replays - replayedBefore,
      msPerStep: (performance.now() - t0) / Math.max(1, options.steps),
      samples,
    };
  } finally {
    stepper.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

const mib = (bytes: number | undefined) => (bytes === undefined ? '' : (bytes / 2 ** 20).toFixed(1));

function progressLine(s: SoakSample, steps: number): string {
  const gpu = s.gpuBytesUsed === undefined ? '' : `, GPU ${mib(s.gpuBytesUsed)} MiB used`;
  return `step ${s.step}/${steps}: ${s.numTensors} tensors, RSS ${mib(s.rssBytes)} MiB, heap ${mib(s.heapUsedBytes)} MiB${gpu}`;
}

/** A markdown table of the samples (MiB), with the backend, size, steps replayed and ms per step above it. */
export function formatSoakTable(result: SoakResult): string {
  const gpu = result.samples.some((s) => s.gpuBytesUsed !== undefined);
  const header = ['step', 'tensors', 'RSS MiB', 'heap MiB', 'ArrayBuffers MiB'];
  if (gpu) header.push('GPU bytes used', 'GPU bytes allocated', 'replay captures bytes');
  const rows = result.samples.map((s) => {
    const row: (string | number)[] = [
      s.step,
      s.numTensors,
      mib(s.rssBytes),
      mib(s.heapUsedBytes),
      mib(s.arrayBuffersBytes),
    ];
    if (gpu) row.push(s.gpuBytesUsed ?? '', s.gpuBytesAllocated ?? '', s.replayHeldBytes);
    return `| ${row.join(' | ')} |`;
  });
  return [
    `backend ${result.backend}, narrowed tiny BEFUnet at ${result.size} px, batch 1, ${result.steps} steps ` +
      `(${result.replayedSteps} replayed), ${result.msPerStep.toFixed(1)} ms / step`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}
