/**
 * `@befunet/core/training`: the pieces `train()` is made of (optimizers, learning-rate schedules, the
 * checkpoint format, replayed training steps, running Dice), for custom training loops.
 */

export { formatDuration } from '../util/progress.js';
export { type AccumulatedGradients, accumulateGradients } from './accumulate-gradients.js';
export { AdamW, type AdamWConfig, type ResolvedAdamWConfig } from './adamw.js';
export {
  CHECKPOINT_FILES,
  type CheckpointFiles,
  encodeCheckpoint,
  namedWeights,
  readCheckpointState,
  restoreCheckpoint,
  type TrainProgressState,
} from './checkpoint.js';
export { type CheckpointStore, type CheckpointTag, memoryCheckpointStore } from './checkpoint-store.js';
export {
  createOptimizer,
  type OptimizerConfig,
  type ResolvedOptimizerConfig,
  resolveOptimizerConfig,
  type TrainOptimizer,
} from './optimizer.js';
export { ReplayedTrainingStep, type TrainingLossFunction } from './replayed-training-step.js';
export { classCounts, RunningDice } from './running-dice.js';
export {
  type LrSchedule,
  learningRateAt,
  type ResolvedLrSchedule,
  resolveSchedule,
} from './schedule.js';
export { type ResolvedSgdConfig, Sgd, type SgdConfig } from './sgd.js';
export { type OptimizerState, type ParameterUpdate, SlotOptimizer } from './slot-optimizer.js';
export { SplitReplayedStep, type StepGradients } from './split-replayed-step.js';
export { type BestMetric, type FileDigest, parseTrainState, type TrainState } from './train-state.js';
export { type TrainingLossOptions, trainingLoss } from './training-loss.js';
export { CHECKPOINT_FORMAT, LIBRARY_VERSION } from './version.js';
