/** Timing helpers of the benchmarks: medians of timed runs after warm-up runs. */
import type * as tf from '@tensorflow/tfjs-core';

export interface TimingMs {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of `runs` timed calls of `fn` after `warmup` untimed ones. */
export async function time(fn: () => Promise<void>, runs: number, warmup: number): Promise<TimingMs> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, min: samples[0]!, max: samples.at(-1)! };
}

/** The logits output (the first output of models with edge maps). */
export function logitsOf(out: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(out) ? out[0]! : out;
}
