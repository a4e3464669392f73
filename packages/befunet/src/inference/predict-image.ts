/**
 * `predictImage`: one image of any size (plain values, as `decodeImage` gives them) -> labels and
 * optionally class probabilities, through the sliding window (or resizing) and the decision rule.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { type DecisionOptions, decideLabels, resolveThreshold } from './decisions.js';
import { checkImageTensor, type ImageInput, imageTensor } from './image-input.js';
import { type InferenceOptions, resolveInferenceOptions } from './inference-options.js';
import { predictProbabilities } from './predict-probabilities.js';

export interface PredictOptions extends InferenceOptions, DecisionOptions {
  /** Also return the class probabilities. Default false. */
  returnProbabilities?: boolean;
  /** Names the input in error messages (e.g. its file name). */
  source?: string;
}

export interface ImagePrediction {
  readonly height: number;
  readonly width: number;
  /** K: the model's classes, 2 for a single-logit model. */
  readonly classes: number;
  /** `labels[y * width + x]`, class ids in 0..K-1. */
  readonly labels: Int32Array;
  /** With `returnProbabilities`: `probabilities[(y * width + x) * K + k]`. */
  readonly probabilities?: Float32Array;
}

/** The name of an input in error messages. */
export function describeInput(kind: string, source: string | undefined): string {
  return source === undefined ? kind : `${kind} '${source}'`;
}

/** Labels (and optionally probabilities) of an image [height, width, channels] with 1 or 3 channels. */
export async function predictImage(
  model: tfl.LayersModel,
  image: ImageInput,
  options: PredictOptions = {},
): Promise<ImagePrediction> {
  resolveInferenceOptions(options);
  resolveThreshold(options);
  const what = describeInput('image', options.source);
  const hwc = imageTensor(image, what);
  const x = await checkImageTensor(hwc, what).finally(() => hwc.dispose());
  const probabilities = await predictProbabilities(model, x, options).finally(() => x.dispose());
  try {
    const labels = decideLabels(probabilities, options);
    const labelData = (await labels.data()) as Int32Array;
    labels.dispose();
    return {
      height: image.height,
      width: image.width,
      classes: probabilities.shape[3],
      labels: labelData,
      ...(options.returnProbabilities ? { probabilities: (await probabilities.data()) as Float32Array } : {}),
    };
  } finally {
    probabilities.dispose();
  }
}
