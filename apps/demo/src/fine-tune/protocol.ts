/**
 * The messages between the page and the training worker (train-worker.ts). Everything is plain
 * data (structured clone): samples as typed arrays, the model as TF.js model artifacts.
 */
import type { SegmentationSample } from '@befunet/core';
import type * as tf from '@tensorflow/tfjs-core';

export type ModelArtifacts = tf.io.ModelArtifacts;

/** What the page asks of the worker. */
export type PageToWorker =
  | {
      kind: 'start';
      /** The current model, serialised by `modelArtifacts`. */
      model: ModelArtifacts;
      samples: SegmentationSample[];
      numClasses: number;
      steps: number;
      learningRate: number;
      /** `?backend=` of the page, or null. */
      backend: string | null;
    }
  /** Ends the run after the current step; a later `resume` goes on from there. */
  | { kind: 'stop' }
  /** Continues a stopped run to its total steps (the trainer's `resume` from its memory checkpoint). */
  | { kind: 'resume' };

export interface StepReport {
  step: number;
  totalSteps: number;
  loss: number;
  /** Running Dice of the epoch's training batches. */
  dice: number;
  imagesPerSecond: number;
  /** Seconds left at the current pace. */
  etaSeconds: number;
}

/** What the worker tells the page. */
export type WorkerToPage =
  | { kind: 'ready'; backend: string; trainSamples: number; validationSamples: number }
  | ({ kind: 'step' } & StepReport)
  | { kind: 'validation'; step: number; dice: number }
  /** The run ended (completed or stopped), with the weights as they are now. */
  | { kind: 'finished'; completed: boolean; step: number; model: ModelArtifacts; losses: number[] }
  | { kind: 'error'; name: string; message: string };
