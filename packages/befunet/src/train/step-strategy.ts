/**
 * How `train` runs one optimizer step: eagerly through TF.js, or (WebGPU with SGD) replayed from
 * captured GPU work (split-replayed-step.ts). Both compute the gradients, read the loss and class
 * counts back, let the caller refuse the step (a NaN loss) and then apply the update.
 */
import { readBack } from '@befunet/kernels';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type GradientsPhase,
  gradientsThroughTfjs,
  type Parameter,
  type StepGradients,
  trainableParameters,
} from './model-gradients.js';
import type { TrainOptimizer } from './optimizer.js';
import { Sgd } from './sgd.js';
import { type ParameterUpdate, trainingState } from './slot-optimizer.js';
import { SplitReplayedStep } from './split-replayed-step.js';
import type { ResolvedTrainOptions } from './train-options.js';
import { trainingLoss } from './training-loss.js';

/** A step's micro-batches: one entry of `images` and `labels` each. */
export interface MicroBatches {
  images: tf.Tensor[];
  labels: tf.Tensor[];
}

export interface StepOutcome {
  loss: number;
  counts: Float32Array;
}

export interface StepStrategy {
  /**
   * One optimizer step at learning rate `lr`; `checkLoss` sees the loss before the update and may
   * throw to refuse it. Disposes `batches`.
   */
  step(batches: MicroBatches, lr: number, checkLoss: (loss: number) => void): Promise<StepOutcome>;
  /** Steps whose update was replayed from a capture. */
  readonly replayedSteps: number;
  dispose(): void;
}

/** The strategy `train` uses: replayed on WebGPU with SGD (unless `replay` is off), else eager. */
export function createStepStrategy(
  model: tfl.LayersModel,
  optimizer: TrainOptimizer,
  options: ResolvedTrainOptions,
): StepStrategy {
  const parameters = trainableParameters(model);
  const { config, loss } = options;
  const computeGradients = gradientsThroughTfjs(model, parameters, (outputs, labels) =>
    trainingLoss(config.graph, outputs, labels, loss),
  );
  if (options.replay && optimizer instanceof Sgd && tf.getBackend() === 'webgpu') {
    const replayed = new SplitReplayedStep(parameters, optimizer, computeGradients, () =>
      trainingState(model, optimizer),
    );
    return new ReplayedStrategy(replayed);
  }
  return new EagerStrategy(parameters, optimizer, computeGradients);
}

/** Every step through TF.js. */
class EagerStrategy implements StepStrategy {
  readonly replayedSteps = 0;

  constructor(
    private readonly parameters: Parameter[],
    private readonly optimizer: TrainOptimizer,
    private readonly computeGradients: GradientsPhase,
  ) {}

  step(batches: MicroBatches, lr: number, checkLoss: (loss: number) => void): Promise<StepOutcome> {
    const gradients = this.computeGradients(batches.images, batches.labels);
    return finishStep(batches, gradients, checkLoss, () => {
      const updates = this.parameters.flatMap((p, j): ParameterUpdate[] =>
        gradients.gradients[j] ? [{ ...p, gradient: gradients.gradients[j] }] : [],
      );
      this.optimizer.apply(updates, lr);
    });
  }

  dispose(): void {}
}

/** Both phases of a step replayed from captures once settled (split-replayed-step.ts). */
class ReplayedStrategy implements StepStrategy {
  constructor(private readonly replayed: SplitReplayedStep) {}

  step(batches: MicroBatches, lr: number, checkLoss: (loss: number) => void): Promise<StepOutcome> {
    const gradients = this.replayed.gradients(batches.images, batches.labels);
    return finishStep(batches, gradients, checkLoss, () => this.replayed.update(gradients.gradients, lr));
  }

  get replayedSteps(): number {
    return this.replayed.counts[1].replays;
  }

  dispose(): void {
    this.replayed.dispose();
  }
}

/** Frees the inputs, reads the loss and counts back, checks the loss, updates; frees the gradients. */
async function finishStep(
  batches: MicroBatches,
  { loss, countSum, gradients }: StepGradients,
  checkLoss: (loss: number) => void,
  update: () => void,
): Promise<StepOutcome> {
  tf.dispose([...batches.images, ...batches.labels]);
  try {
    const [lossValue, countValues] = await readBack('training step', () =>
      Promise.all([loss.data(), countSum.data()]),
    );
    checkLoss(lossValue[0]!);
    update();
    return { loss: lossValue[0]!, counts: countValues as Float32Array };
  } finally {
    tf.dispose([loss, countSum, ...gradients.filter((g) => g !== undefined)]);
  }
}
