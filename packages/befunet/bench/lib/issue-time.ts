/**
 * The CPU time a backend takes to issue GPU work, without the GPU's own time: everything is encoded
 * into one command buffer (TF.js's submit batching off) and the time spent inside `queue.submit`
 * (where Dawn over OpenGL runs the work) is subtracted. On a fast GPU this issuing is what bounds
 * TF.js (0.1-0.2 ms per kernel launch on an H100 host).
 */
import { submitPending } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { logitsOf } from './timing.js';

interface SubmitQueue {
  submit(commandBuffers: unknown[]): void;
}

interface BackendQueue {
  queue: SubmitQueue;
  commandEncoder: unknown;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export type Outputs = tf.Tensor | tf.Tensor[];

/** Reads one value of the (first) output, so that its GPU work is done, and disposes the outputs. */
export async function readOneAndDispose(out: Outputs): Promise<void> {
  const first = logitsOf(out);
  const probe =
    first.rank === 0
      ? tf.clone(first)
      : tf.slice(first, Array(first.rank).fill(0), Array(first.rank).fill(1));
  await probe.data();
  tf.dispose([out, probe]);
}

/**
 * Median CPU milliseconds of `run()` plus the submit of its commands, minus the time inside
 * `queue.submit` (WebGPU), over `runs` runs after one untimed run (which refills TF.js's buffer pool
 * and compiles what the batched submit needs).
 */
export async function issueTime(run: () => Outputs, runs: number): Promise<number> {
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
    for (let i = -1; i < runs; i++) {
      inSubmit = 0;
      const t0 = performance.now();
      const out = run();
      submitPending(backend);
      if (i >= 0) samples.push(performance.now() - t0 - inSubmit);
      await readOneAndDispose(out);
    }
  } finally {
    backend.queue = queue;
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batchSize);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
