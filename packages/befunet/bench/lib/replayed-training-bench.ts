/**
 * The trainer's training step replayed from captures (SplitReplayedStep): timed like the
 * TF.js step, and the CPU time each way takes to issue one step (issue-time.ts). Same optimizer and
 * loss as the TF.js step: SGD with momentum 0.9, lr 0.01, no weight decay; softmax cross-entropy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Sgd } from '../../src/train/sgd.js';
import { trainingState } from '../../src/train/slot-optimizer.js';
import { SplitReplayedStep } from '../../src/train/split-replayed-step.js';
import { issueTime, readOneAndDispose } from './issue-time.js';
import type { EncodeCost } from './replayed-forward-bench.js';
import { logitsOf, type TimingMs, time } from './timing.js';

export interface ReplayedTrainingStepResult {
  timing: TimingMs;
  dispatches: number;
  encodeMs: EncodeCost;
  /** GPU buffers the capture holds (a step's intermediates, the old weights and slots). */
  heldBytes: number;
  /**
   * GPU memory of a replayed step: the capture's buffers plus the weights and momentum buffers,
   * each buffer counted once (comparable to PyTorch's `max_memory_allocated`; `tf.profile`'s peak
   * counts a tensor's bytes per tensor object, so views sharing data, reshapes, count again).
   */
  memoryBytes: number;
}

export async function benchReplayedTrainingStep(
  model: tfl.LayersModel,
  x: tf.Tensor,
  oneHotLabels: tf.Tensor,
  options: { runs: number; warmup: number; log: (line: string) => void },
): Promise<ReplayedTrainingStepResult> {
  const { runs, log } = options;
  const batch = x.shape[0]!;
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 0 });
  // The step counts classes from integer labels (as the trainer's does): one-hot only inside the loss.
  const numClasses = oneHotLabels.shape.at(-1)!;
  const classLabels = tf.argMax(oneHotLabels, -1);
  const stepper = SplitReplayedStep.forModel(
    model,
    optimizer,
    (outputs, labels) =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logitsOf(outputs)) as tf.Scalar,
  );
  try {
    // TF.js steps first: once captured, the step holds its buffers, and TF.js steps after it would
    // allocate a second set (the paper preset at batch 10 would then need twice its peak memory).
    const tfjs = await issueTime(() => stepper.stepDirect([x], [classLabels], 0.01), runs);
    log(`training step, batch ${batch}, replayed`);
    // Replays start at the third step (the update) and the fourth (the gradients).
    const timing = await time(
      () => readOneAndDispose(stepper.step([x], [classLabels], 0.01)),
      runs,
      Math.max(3, options.warmup),
    );
    const dispatches = stepper.dispatchCount ?? 0;
    const heldBytes = stepper.heldBytes;
    const stateBytes = trainingState(model, optimizer).reduce((sum, t) => sum + 4 * t.size, 0);
    const memoryBytes = heldBytes + stateBytes;
    log(
      `training step, batch ${batch}, replayed: median ${timing.median.toFixed(2)} ms, ${dispatches} dispatches`,
    );
    const replay = await issueTime(() => stepper.step([x], [classLabels], 0.01), runs);
    log(`CPU to issue a training step: TF.js ${tfjs.toFixed(1)} ms, replay ${replay.toFixed(2)} ms`);
    return { timing, dispatches, encodeMs: { tfjs, replay }, heldBytes, memoryBytes };
  } finally {
    stepper.dispose();
    optimizer.dispose();
    classLabels.dispose();
  }
}
