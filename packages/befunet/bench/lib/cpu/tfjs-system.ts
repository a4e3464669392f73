/**
 * This project's side of the CPU benchmark: the official graph on the active TF.js backend with the
 * weights the PyTorch peer saved (official.safetensors), fed the peer's own input (NCHW float32).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createBefunet } from '../../../src/model/befunet.js';
import { importOfficialStateDict } from '../../../src/weights/official-checkpoint.js';
import { readCheckpoint } from '../../../src/weights/read-checkpoint.js';
import { readOneAndDispose } from '../issue-time.js';
import { logitsOf } from '../timing.js';
import { sgdTrainingStep, type TrainingStep } from '../training-step.js';

export interface TfjsSystem {
  forward: () => Promise<void>;
  training: TrainingStep;
  /** The logits of the peer's input, float32 NCHW (the official layout). */
  logits: () => Float32Array;
  dispose: () => void;
}

/** Reads a raw little-endian float32 file. */
export function readF32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function loadOfficial(cacheDir: string): tfl.LayersModel {
  const model = createBefunet('official');
  const file = join(cacheDir, 'official.safetensors');
  importOfficialStateDict(model, readCheckpoint(readFileSync(file), file));
  return model;
}

export function tfjsSystem(cacheDir: string, stepBatch: number): TfjsSystem {
  const model = loadOfficial(cacheDir);
  const nchw = readF32(join(cacheDir, 'input.f32'));
  const side = Math.round(Math.sqrt(nchw.length / 3));
  const x1 = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [1, 3, side, side]), [0, 2, 3, 1]));
  const xb = tf.randomUniform([stepBatch, side, side, 3], 0, 1, 'float32', 1);
  const training = sgdTrainingStep(model, xb);
  const logits = () => {
    const out = logitsOf(model.predict(x1) as tf.Tensor | tf.Tensor[]);
    const data = tf.tidy(() => tf.transpose(out, [0, 3, 1, 2]).dataSync() as Float32Array);
    out.dispose();
    return data;
  };
  return {
    forward: () => readOneAndDispose(model.predict(x1) as tf.Tensor | tf.Tensor[]),
    training,
    logits,
    dispose: () => {
      training.dispose();
      tf.dispose([x1, xb]);
      model.dispose();
    },
  };
}
