/**
 * Leak check: N training steps and N predictions of the tiny BEFUnet, with TF.js's live tensor count
 * and bytes (and, on WebGPU, the bytes of GPU buffers in use and allocated) recorded after a warm-up
 * step (which creates the optimizer's slots) and at the end. A flat count means every step disposes
 * what it makes. The training step is a plain loop: Adam on the `paper` graph's training loss
 * (body loss + edge loss, train/training-loss.ts), on synthetic images.
 */
import { readBack } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { stackSamples } from '../../src/data/batches.js';
import { syntheticSample } from '../../src/data/synthetic.js';
import { segment } from '../../src/inference/segment.js';
import { createBefunet } from '../../src/model/befunet.js';
import { befunetConfig } from '../../src/model/config.js';
import { trainingLoss } from '../../src/train/training-loss.js';

export interface LeakCheckOptions {
  /** Training steps after the warm-up step. */
  steps: number;
  /** Predictions after the warm-up prediction. */
  predictions: number;
  /** Image side in pixels. Defaults to 32. */
  size?: number;
  /** Images per step and per prediction. Defaults to 2. */
  batch?: number;
  /** Called every `every` iterations with a line of progress. */
  log?: (line: string) => void;
  /** Iterations between progress lines. Defaults to 100. */
  every?: number;
}

export interface MemorySnapshot {
  numTensors: number;
  numBytes: number;
  /** WebGPU only: bytes of GPU buffers holding live tensors. */
  gpuBytesUsed?: number;
  /** WebGPU only: bytes of GPU buffers allocated (in use plus pooled for reuse). */
  gpuBytesAllocated?: number;
}

export interface LeakPhase {
  name: 'training' | 'prediction';
  iterations: number;
  start: MemorySnapshot;
  end: MemorySnapshot;
  msPerIteration: number;
}

export interface LeakCheckResult {
  backend: string;
  size: number;
  batch: number;
  phases: LeakPhase[];
}

const NUM_CLASSES = 4;

export function memorySnapshot(): MemorySnapshot {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  const snapshot: MemorySnapshot = { numTensors: m.numTensors, numBytes: m.numBytes };
  if (m.numBytesInGPU !== undefined) snapshot.gpuBytesUsed = m.numBytesInGPU;
  if (m.numBytesAllocatedInGPU !== undefined) snapshot.gpuBytesAllocated = m.numBytesAllocatedInGPU;
  return snapshot;
}

/** Synthetic batch number `step`: images [B, S, S, 1] and labels [B, S, S]. */
function batchAt(step: number, batch: number, size: number) {
  const samples = Array.from({ length: batch }, (_, i) => {
    const s = syntheticSample(7, step * batch + i, { size, numClasses: NUM_CLASSES });
    return { image: s.image, label: s.label, height: size, width: size, channels: 1, id: `synthetic#${i}` };
  });
  return stackSamples(samples);
}

async function timed(
  name: LeakPhase['name'],
  iterations: number,
  once: (i: number) => Promise<void>,
  options: LeakCheckOptions,
  warmups = 1,
): Promise<LeakPhase> {
  for (let i = 0; i < warmups; i++) await once(0); // optimizer slots, shader compilation, replay capture
  const start = memorySnapshot();
  const t0 = performance.now();
  const every = options.every ?? 100;
  for (let i = 1; i <= iterations; i++) {
    await once(i);
    if (options.log && i % every === 0) {
      options.log(`${name} ${i}/${iterations}: ${tf.memory().numTensors} tensors`);
    }
  }
  const msPerIteration = iterations ? (performance.now() - t0) / iterations : 0;
  return { name, iterations, start, end: memorySnapshot(), msPerIteration };
}

/** Runs the check on the active backend. */
export async function runLeakCheck(options: LeakCheckOptions): Promise<LeakCheckResult> {
  const size = options.size ?? 32;
  const batch = options.batch ?? 2;
  const model = createBefunet(befunetConfig('tiny', { imageSize: size, numClasses: NUM_CLASSES }));
  const optimizer = tf.train.adam(1e-3);
  try {
    const training = await timed(
      'training',
      options.steps,
      async (step) => {
        const { images, labels } = batchAt(step, batch, size);
        const rgb = tf.tile(images, [1, 1, 1, 3]);
        const loss = optimizer.minimize(
          () => trainingLoss('paper', model.apply(rgb, { training: true }) as tf.Tensor[], labels),
          true,
        )!;
        await readBack('loss', () => loss.data());
        tf.dispose([images, labels, rgb, loss]);
      },
      options,
    );
    const prediction = await timed(
      'prediction',
      options.predictions,
      async (i) => {
        const { images, labels } = batchAt(1_000_000 + i, batch, size);
        const logits = await segment(model, images);
        await readBack('logits', () => logits.data());
        tf.dispose([images, labels, logits]);
      },
      options,
      2, // on WebGPU the first call of a shape runs through TF.js, the second captures it for replay
    );
    return { backend: tf.getBackend(), size, batch, phases: [training, prediction] };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** A markdown table: phase, iterations, tensors and bytes at start and end (GPU bytes on WebGPU), ms per iteration. */
export function formatLeakTable(result: LeakCheckResult): string {
  const gpu = result.phases.some((p) => p.start.gpuBytesUsed !== undefined);
  const header = ['phase', 'iterations', 'tensors start', 'tensors end', 'bytes start', 'bytes end'];
  if (gpu) {
    header.push(
      'GPU bytes used start',
      'GPU bytes used end',
      'GPU bytes allocated start',
      'GPU bytes allocated end',
    );
  }
  header.push('ms / iteration');
  const rows = result.phases.map((p) => {
    const row: (string | number)[] = [
      p.name,
      p.iterations,
      p.start.numTensors,
      p.end.numTensors,
      p.start.numBytes,
      p.end.numBytes,
    ];
    if (gpu) {
      const { start, end } = p;
      row.push(
        start.gpuBytesUsed ?? '',
        end.gpuBytesUsed ?? '',
        start.gpuBytesAllocated ?? '',
        end.gpuBytesAllocated ?? '',
      );
    }
    row.push(p.msPerIteration.toFixed(1));
    return `| ${row.join(' | ')} |`;
  });
  return [
    `backend ${result.backend}, tiny preset at ${result.size} px, batch ${result.batch}`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}
