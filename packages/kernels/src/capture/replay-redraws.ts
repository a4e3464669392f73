/**
 * Values a function uploads from the CPU that must be drawn anew at every replay of its capture
 * (drop path's per-sample factors). A capture keeps uploaded constants as they were at capture time;
 * a random draw registered here is re-drawn by `draw()` and written into the same GPU buffer before
 * each replay, in the order of registration (the order the function drew them).
 */
import type * as tf from '@tensorflow/tfjs-core';

type RedrawListener = (tensor: tf.Tensor, draw: () => Float32Array) => void;

let listener: RedrawListener | undefined;

/** Registers `tensor` (made from CPU values by `draw()`) as re-drawn at every replay; a no-op outside a capture. */
export function redrawOnReplay(tensor: tf.Tensor, draw: () => Float32Array): void {
  listener?.(tensor, draw);
}

/** Runs `fn` with registrations going to `onRedraw` (the recorder's). */
export function collectRedraws<T>(onRedraw: RedrawListener, fn: () => T): T {
  const previous = listener;
  listener = onRedraw;
  try {
    return fn();
  } finally {
    listener = previous;
  }
}
