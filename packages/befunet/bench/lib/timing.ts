/** Timing helpers of the benchmarks: medians of timed runs after warm-up runs. */
import type * as tf from '@tensorflow/tfjs-core';

export interface TimingMs {
  median: number;
  min: number;
  max: number;
}

/**
 * Untimed calls last at least this long in all: a GPU that sat idle may take a while to raise its
 * clocks (on an H100, the first timings after a pause spread from 16 to 31 ms where later ones held
 * within 2%).
 */
export const MIN_WARMUP_MS = 500;

/**
 * Median, min and max of `runs` timed calls of `fn` after at least `warmup` untimed ones (more while
 * they add up to less than MIN_WARMUP_MS, at most 100).
 */
export async function time(fn: () => Promise<void>, runs: number, warmup: number): Promise<TimingMs> {
  const warmupStart = performance.now();
  for (let i = 0; i < warmup || (i < 100 && performance.now() - warmupStart < MIN_WARMUP_MS); i++) await fn();
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
