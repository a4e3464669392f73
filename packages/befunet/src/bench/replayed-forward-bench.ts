/**
 * The forward pass replayed from a capture (ReplayedPredictor), timed like the TF.js one, and the
 * CPU time each way takes to issue one pass. Issuing is what bounds TF.js on a fast GPU; it is
 * measured without the GPU's work: everything is encoded into one command buffer and the time spent
 * inside `queue.submit` (where Dawn over OpenGL runs the work) is subtracted.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ReplayedPredictor } from '../inference/replayed-predictor.js';
import { type TimingMs, time } from './model-bench.js';

/** Median CPU milliseconds to issue one forward pass at batch 1. */
export interface EncodeCost {
  tfjs: number;
  replay: number;
}

interface SubmitQueue {
  submit(commandBuffers: unknown[]): void;
}

interface BackendQueue {
  queue: SubmitQueue;
  commandEncoder: unknown;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

type Outputs = tf.Tensor | tf.Tensor[];

async function readOneAndDispose(out: Outputs): Promise<void> {
  const first = Array.isArray(out) ? out[0]! : out;
  const probe = tf.sum(tf.slice(first, Array(first.rank).fill(0), Array(first.rank).fill(1)));
  await probe.data();
  tf.dispose([out, probe]);
}

/** Median CPU time of `run()` plus the submit of its commands, minus the time inside `queue.submit`. */
async function issueTime(run: () => Outputs, runs: number): Promise<number> {
  const backend = tf.backend() as unknown as BackendQueue;
  const queue = backend.queue;
  let inSubmit = 0;
  backend.queue = new Proxy(queue, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (property === 'submit') {
        return (buffers: unknown[]) => {
          const t0 = performance.now();
          target.submit(buffers);
          inSubmit += performance.now() - t0;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const batchSize = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', Number.MAX_SAFE_INTEGER);
  const samples: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      inSubmit = 0;
      const t0 = performance.now();
      const out = run();
      backend.endComputePassEncoder();
      if (backend.commandEncoder) backend.submitQueue();
      samples.push(performance.now() - t0 - inSubmit);
      await readOneAndDispose(out);
    }
  } finally {
    backend.queue = queue;
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batchSize);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export async function benchReplayedForward(
  model: tfl.LayersModel,
  x1: tf.Tensor,
  xb: tf.Tensor,
  options: { runs: number; warmup: number; log: (line: string) => void },
): Promise<{
  forwardBatch1: TimingMs;
  forwardBatch: { batch: number; timing: TimingMs; imagesPerSecond: number };
  dispatches: number;
  encodeMs: EncodeCost;
  heldBytes: number;
}> {
  const { runs, log } = options;
  const warmup = Math.max(options.warmup, 2); // the first call runs through TF.js, the second captures
  const predictor = new ReplayedPredictor(model);
  const forward = (x: tf.Tensor) => () => readOneAndDispose(predictor.predict(x));
  try {
    log(`forward, batch 1, replayed (${warmup} warm-up + ${runs} runs)`);
    const forwardBatch1 = await time(forward(x1), runs, warmup);
    const dispatches = predictor.dispatchCount ?? 0;
    const heldBytes = predictor.heldBytes;
    log(`forward, batch 1, replayed: median ${forwardBatch1.median.toFixed(2)} ms, ${dispatches} dispatches`);
    const encodeMs = {
      tfjs: await issueTime(() => model.predict(x1) as Outputs, runs),
      replay: await issueTime(() => predictor.predict(x1), runs),
    };
    log(
      `CPU to issue forward b1: TF.js ${encodeMs.tfjs.toFixed(2)} ms, replay ${encodeMs.replay.toFixed(2)} ms`,
    );
    const batch = xb.shape[0]!;
    const timing = await time(forward(xb), runs, warmup);
    log(`forward, batch ${batch}, replayed: median ${timing.median.toFixed(2)} ms`);
    return {
      forwardBatch1,
      forwardBatch: { batch, timing, imagesPerSecond: (1000 * batch) / timing.median },
      dispatches,
      encodeMs,
      heldBytes,
    };
  } finally {
    predictor.dispose();
  }
}
