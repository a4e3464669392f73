/**
 * The forward pass replayed from a capture (ReplayedPredictor), timed like the TF.js one, and the
 * CPU time each way takes to issue one pass (issue-time.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ReplayedPredictor } from '../../src/inference/replayed-predictor.js';
import { issueTime, type Outputs, readOneAndDispose } from './issue-time.js';
import { type TimingMs, time } from './timing.js';

/** Median CPU milliseconds to issue one pass (or step): through TF.js, and replayed. */
export interface EncodeCost {
  tfjs: number;
  replay: number;
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
