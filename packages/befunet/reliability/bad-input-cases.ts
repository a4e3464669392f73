/**
 * The bad-input table: each case feeds one bad tensor, argument or sample to a public entry point
 * and states the typed error it must raise and what the message must say. The same list drives the
 * test (bad-inputs.test.ts) and the table in RELIABILITY.md (`formatBadInputTable`), so the document
 * shows the errors the code really raises.
 */
import { ConfigError, DTypeError, InvalidValueError, ShapeError } from '@befunet/common';
import { checkClassLabels, diceCeLoss, edgeLoss, edgeTargets, LabelValueError } from '@befunet/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { stackSamples, trainingBatch } from '../src/data/batches.js';
import type { SegmentationDataset, SegmentationSample } from '../src/data/dataset.js';
import { segment } from '../src/inference/segment.js';
import { createBefunet } from '../src/model/befunet.js';
import { type BefunetPreset, befunetConfig } from '../src/model/config.js';
import { prepareImages } from '../src/model/input.js';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface BadInputCase {
  /** What is wrong. */
  readonly case: string;
  /** The public function it is fed to. */
  readonly entryPoint: string;
  /** The error class it must raise. */
  readonly error: ErrorClass;
  /** What the message must say. */
  readonly message: RegExp;
  /** Runs the entry point (tensors it creates are disposed by the runner). */
  run(model: tfl.LayersModel): unknown;
}

export interface BadInputOutcome {
  readonly case: string;
  readonly entryPoint: string;
  /** The class of the error raised, or `(none)` when the call succeeded. */
  readonly errorClass: string;
  readonly message: string;
  /** Raised the expected class with a matching message. */
  readonly ok: boolean;
}

/** Side of the images of the model the cases run on (the tiny preset). */
export const BAD_INPUT_IMAGE_SIZE = 32;
const S = BAD_INPUT_IMAGE_SIZE;

const sample = (id: string, height: number, width: number, channels = 1): SegmentationSample => ({
  id,
  height,
  width,
  channels,
  image: new Float32Array(height * width * channels),
  label: new Int32Array(height * width),
});

/** A data set of `length` blank 8x8 samples whose label maps hold `label`. */
const dataset = (length: number, label: number): SegmentationDataset => ({
  name: 'bad-input',
  length,
  numClasses: 4,
  channels: 1,
  get: async (i) => {
    const s = sample(`bad-input#${i}`, 8, 8);
    s.label.fill(label);
    return s;
  },
});

const logits = () => tf.zeros([2, 8, 8, 4]);

export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  {
    case: 'image holds NaN',
    entryPoint: 'segment',
    error: InvalidValueError,
    message: /images contain NaN or infinite values/,
    run: (m) => segment(m, tf.fill([1, S, S, 3], Number.NaN)),
  },
  {
    case: 'image holds +Inf',
    entryPoint: 'segment',
    error: InvalidValueError,
    message: /images contain NaN or infinite values/,
    run: (m) => segment(m, tf.fill([1, S, S, 1], Number.POSITIVE_INFINITY)),
  },
  {
    case: 'int32 image',
    entryPoint: 'segment',
    error: DTypeError,
    message: /images must have dtype float32, got int32/,
    run: (m) => segment(m, tf.zeros([1, S, S, 3], 'int32')),
  },
  {
    case: 'rank-2 image',
    entryPoint: 'segment',
    error: ShapeError,
    message: /images must be \[B, H, W, C\] or \[H, W, C\], got \[32,32\]/,
    run: (m) => segment(m, tf.zeros([S, S])),
  },
  {
    case: '2 channels',
    entryPoint: 'segment',
    error: ShapeError,
    message: /images must have 1 \(grey\) or 3 channels, got \[1,32,32,2\]/,
    run: (m) => segment(m, tf.zeros([1, S, S, 2])),
  },
  {
    case: 'empty batch',
    entryPoint: 'segment',
    error: ShapeError,
    message: /images is an empty batch/,
    run: (m) => segment(m, tf.zeros([0, S, S, 3])),
  },
  {
    case: 'image larger than the model input',
    entryPoint: 'segment',
    error: ShapeError,
    message: /images must be 32x32 \(the model's input size\), got 48x48/,
    run: (m) => segment(m, tf.zeros([1, 48, 48, 3])),
  },
  {
    case: 'not a tensor',
    entryPoint: 'segment',
    error: DTypeError,
    message: /images must be a tf\.Tensor, got object/,
    run: (m) => segment(m, [[0]] as unknown as tf.Tensor),
  },
  {
    case: 'disposed tensor',
    entryPoint: 'segment',
    error: InvalidValueError,
    message: /images is a disposed tensor/,
    run: (m) => {
      const x = tf.zeros([1, S, S, 3]);
      x.dispose();
      return segment(m, x);
    },
  },
  {
    case: 'non-square image',
    entryPoint: 'prepareImages',
    error: ShapeError,
    message: /must be 32x32 .* got 32x64/,
    run: () => prepareImages(tf.zeros([1, S, 64, 3]), S),
  },
  {
    case: 'image size not a multiple of 32 (the deepest grid)',
    entryPoint: 'befunetConfig',
    error: ConfigError,
    message: /imageSize \(40\) must be a positive multiple of 32/,
    run: () => befunetConfig('tiny', { imageSize: 40 }),
  },
  {
    case: 'image size 0',
    entryPoint: 'befunetConfig',
    error: ConfigError,
    message: /imageSize \(0\) must be a positive multiple of 32/,
    run: () => befunetConfig('tiny', { imageSize: 0 }),
  },
  {
    case: 'heads do not divide the stage width',
    entryPoint: 'befunetConfig',
    error: ConfigError,
    message: /numHeads\[0\] \(3\) must be a positive divisor of stage 0's channels \(16\)/,
    run: () => befunetConfig('tiny', { swin: { numHeads: [3, 2, 2, 4] } }),
  },
  {
    case: 'GroupNorm groups do not divide the decoder width',
    entryPoint: 'befunetConfig',
    error: ConfigError,
    message: /decoder\.width \(32\) must be divisible by decoder\.groups \(5\)/,
    run: () => befunetConfig('tiny', { decoder: { groups: 5 } }),
  },
  {
    case: 'no classes',
    entryPoint: 'befunetConfig',
    error: ConfigError,
    message: /numClasses must be a positive integer, got 0/,
    run: () => befunetConfig('tiny', { numClasses: 0 }),
  },
  {
    case: 'unknown preset',
    entryPoint: 'befunetConfig',
    error: ConfigError,
    message: /unknown BEFUnet preset 'huge'/,
    run: () => befunetConfig('huge' as BefunetPreset),
  },
  {
    case: 'DLF heads do not divide the level width',
    entryPoint: 'befunetConfig',
    error: ConfigError,
    message: /dlf\.largeHeads \(3\) must be a positive divisor of the level width 16/,
    run: () => befunetConfig('tiny', { imageSize: S, dlf: { largeHeads: 3 } }),
  },
  {
    case: 'label map and logits differ in size',
    entryPoint: 'diceCeLoss',
    error: ShapeError,
    message: /target must be class indices \[2,8,8\] .* got \[2,8,9\]/,
    run: () => diceCeLoss(tf.zeros([2, 8, 9], 'int32'), logits()),
  },
  {
    case: 'label and logit batch sizes differ',
    entryPoint: 'diceCeLoss',
    error: ShapeError,
    message: /got \[3,8,8\]/,
    run: () => diceCeLoss(tf.zeros([3, 8, 8], 'int32'), logits()),
  },
  {
    case: 'label 7 with 4 classes',
    entryPoint: 'checkClassLabels',
    error: LabelValueError,
    message: /class labels must be integers in \[0, 4\), got 7 at flat index 0/,
    run: () => checkClassLabels(tf.fill([2, 8, 8], 7, 'int32'), 4),
  },
  {
    case: 'edge map and edge prediction differ in channels',
    entryPoint: 'edgeLoss',
    error: ShapeError,
    message: /yTrue \[2,8,8,1\] and yPred\[0\] \[2,8,8,2\] must have the same shape/,
    run: () => edgeLoss(tf.zeros([2, 8, 8, 1]), [tf.zeros([2, 8, 8, 2])]),
  },
  {
    case: 'rank-2 label map',
    entryPoint: 'edgeTargets',
    error: ShapeError,
    message: /labels must be \[B,H,W\] or \[B,H,W,1\], got \[8,8\]/,
    run: () => edgeTargets(tf.zeros([8, 8], 'int32')),
  },
  {
    case: 'samples of different sizes',
    entryPoint: 'stackSamples',
    error: ShapeError,
    message: /samples of one batch must share a size: b is 8x9x1, a is 8x8x1/,
    run: () => stackSamples([sample('a', 8, 8), sample('b', 8, 9)]),
  },
  {
    case: 'empty batch',
    entryPoint: 'stackSamples',
    error: ShapeError,
    message: /cannot stack an empty list of samples/,
    run: () => stackSamples([]),
  },
  {
    case: 'mask smaller than its image',
    entryPoint: 'stackSamples',
    error: ShapeError,
    message: /sample a: label map has 16 values, but the 8x8 image needs 64 \(image and mask sizes differ\)/,
    run: () => stackSamples([{ ...sample('a', 8, 8), label: new Int32Array(16) }]),
  },
  {
    case: 'image array longer than its size',
    entryPoint: 'stackSamples',
    error: ShapeError,
    message: /sample a: image has 100 values, but 8x8x1 needs 64/,
    run: () => stackSamples([{ ...sample('a', 8, 8), image: new Float32Array(100) }]),
  },
  {
    case: 'zero height',
    entryPoint: 'stackSamples',
    error: ShapeError,
    message: /sample a: height must be a positive integer, got 0/,
    run: () => stackSamples([sample('a', 0, 8)]),
  },
  {
    case: 'NaN intensity',
    entryPoint: 'stackSamples',
    error: InvalidValueError,
    message: /sample a: image holds NaN at flat index 5/,
    run: () => {
      const s = sample('a', 8, 8);
      s.image[5] = Number.NaN;
      return stackSamples([s]);
    },
  },
  {
    case: 'label out of the data set classes',
    entryPoint: 'trainingBatch',
    error: InvalidValueError,
    message: /sample bad-input#\d+: label 9 at flat index 0 is outside the data set's classes \[0, 4\)/,
    run: () => trainingBatch(dataset(4, 9), { batchSize: 2, seed: 1 }, 0),
  },
  {
    case: 'data set smaller than one batch',
    entryPoint: 'trainingBatch',
    error: ConfigError,
    message: /data set 'bad-input' has 1 samples, fewer than one batch of 2/,
    run: () => trainingBatch(dataset(1, 0), { batchSize: 2, seed: 1 }, 0),
  },
];

/** The model the cases run on: the tiny preset at 32 px. The caller disposes it. */
export function badInputModel(): tfl.LayersModel {
  return createBefunet(befunetConfig('tiny', { imageSize: S }));
}

/** Runs every case, disposing the tensors it makes; never throws. */
export async function runBadInputCases(
  model: tfl.LayersModel,
  cases: readonly BadInputCase[] = BAD_INPUT_CASES,
): Promise<BadInputOutcome[]> {
  const outcomes: BadInputOutcome[] = [];
  for (const c of cases) {
    tf.engine().startScope();
    let error: unknown;
    try {
      const result = await c.run(model);
      tf.dispose(result as tf.TensorContainer);
    } catch (e) {
      error = e;
    } finally {
      tf.engine().endScope();
    }
    const errorClass = error instanceof Error ? error.constructor.name : '(none)';
    const message = error instanceof Error ? error.message : '';
    outcomes.push({
      case: c.case,
      entryPoint: c.entryPoint,
      errorClass,
      message,
      ok: error instanceof c.error && c.message.test(message),
    });
  }
  return outcomes;
}

/** A markdown table: case, entry point, error class, message. */
export function formatBadInputTable(outcomes: readonly BadInputOutcome[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| case | entry point | error class | message |',
    '| --- | --- | --- | --- |',
    ...outcomes.map(
      (o) => `| ${cell(o.case)} | \`${o.entryPoint}\` | ${o.errorClass} | ${cell(o.message)} |`,
    ),
  ].join('\n');
}
