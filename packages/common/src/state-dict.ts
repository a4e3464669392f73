/**
 * Assigning PyTorch state-dict tensors to TF.js layer weights, with layout conversion and a report
 * of what did not fit. Entries are `{ shape, values }` as read by `readSafetensors` (or the .pth reader).
 */

import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { formatShape } from './checks.js';
import { WeightLoadError } from './errors.js';

export interface StateDictEntry {
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array;
}
export type StateDict = ReadonlyMap<string, StateDictEntry>;

/** How a PyTorch tensor's layout becomes the TF.js weight's layout. */
export type Layout =
  /** Same layout (biases, norms, embeddings). */
  | 'identity'
  /** Conv2d weight [out, in, kh, kw] -> TF.js kernel [kh, kw, in, out]. */
  | 'conv2d'
  /** Linear weight [out, in] -> TF.js dense kernel [in, out]. */
  | 'linear';

export interface WeightAssignment {
  /** The TF.js weight to fill. */
  readonly weight: LayerVariable;
  /** The state-dict key it comes from. */
  readonly key: string;
  readonly layout: Layout;
}

/** The axes of the PyTorch tensor that give the TF.js weight (`tf.transpose(torch, p)`). */
const PERMUTATION: Record<Layout, number[] | null> = { identity: null, conv2d: [2, 3, 1, 0], linear: [1, 0] };

/** The PyTorch shape that maps onto a TF.js weight shape under `layout`. */
export function torchShape(tfShape: readonly number[], layout: Layout): number[] {
  const p = PERMUTATION[layout];
  if (!p) return [...tfShape];
  const out = new Array<number>(tfShape.length);
  p.forEach((from, to) => {
    out[from] = tfShape[to]!;
  });
  return out;
}

/** A PyTorch tensor (`values` in `torchShape` order) in TF.js layout; the caller owns the result. */
export function fromTorchLayout(
  values: ArrayLike<number>,
  shape: readonly number[],
  layout: Layout,
): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(Float32Array.from(values), [...shape], 'float32');
    const p = PERMUTATION[layout];
    return p ? tf.transpose(t, p) : t;
  });
}

/** A TF.js weight's values in PyTorch layout (the inverse of `fromTorchLayout`); the caller owns the result. */
export function toTorchLayout(weight: tf.Tensor, layout: Layout): tf.Tensor {
  const p = PERMUTATION[layout];
  if (!p) return tf.clone(weight);
  const inverse = new Array<number>(p.length);
  p.forEach((from, to) => {
    inverse[from] = to;
  });
  return tf.transpose(weight, inverse);
}

export interface LoadReport {
  /** Keys that were assigned. */
  loaded: string[];
  /** Keys of the state dict that no assignment used (and no `ignore` rule covered). */
  unexpected: string[];
}

export interface LoadOptions {
  /** State-dict keys that are known not to matter (derived buffers, modules without effect). */
  ignore?: (key: string) => boolean;
  /** Throw when the state dict holds unexpected keys. Defaults to true. */
  strict?: boolean;
}

/**
 * Checks every assignment first (missing keys, shape mismatches, and with `strict` unexpected keys),
 * throwing one WeightLoadError that lists all problems by name; only then writes the weights.
 */
export function loadStateDict(
  assignments: readonly WeightAssignment[],
  stateDict: StateDict,
  options: LoadOptions = {},
): LoadReport {
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const a of assignments) {
    const entry = stateDict.get(a.key);
    if (!entry) {
      missing.push(`${a.key} (for ${a.weight.originalName})`);
      continue;
    }
    const want = torchShape(a.weight.shape as number[], a.layout);
    if (entry.shape.length !== want.length || entry.shape.some((d, i) => d !== want[i])) {
      mismatched.push(
        `${a.key}: checkpoint ${formatShape(entry.shape)}, model expects ${formatShape(want)} (for ${a.weight.originalName})`,
      );
    }
  }
  const used = new Set(assignments.map((a) => a.key));
  const unexpected = [...stateDict.keys()].filter((k) => !used.has(k) && !options.ignore?.(k));
  const problems = [
    ...(missing.length ? [`missing keys: ${missing.join(', ')}`] : []),
    ...(mismatched.length ? [`mis-shaped keys: ${mismatched.join('; ')}`] : []),
    ...((options.strict ?? true) && unexpected.length ? [`unexpected keys: ${unexpected.join(', ')}`] : []),
  ];
  if (problems.length)
    throw new WeightLoadError(`the checkpoint does not fit the model: ${problems.join('; ')}`);

  for (const a of assignments) {
    const entry = stateDict.get(a.key)!;
    tf.tidy(() => {
      a.weight.write(fromTorchLayout(entry.values, entry.shape, a.layout));
    });
  }
  return { loaded: assignments.map((a) => a.key), unexpected };
}
