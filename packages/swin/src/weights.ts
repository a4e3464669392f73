/**
 * Pretrained-weight loading with the Microsoft / timm Swin key names.
 *
 * A TF.js weight path such as `layers_1/blocks_0/attn/qkv/kernel` (relative to the layer being
 * loaded) maps to the PyTorch key `layers.1.blocks.0.attn.qkv.weight` by string rules:
 * `layers_N` / `blocks_N` -> `layers.N` / `blocks.N`; `kernel`, `gamma` -> `weight`; `beta` -> `bias`.
 * Linear weights are stored [out, in] in PyTorch and [in, out] here (transposed); conv weights are
 * OIHW there and HWIO here. Derived buffers (`relative_position_index`, `attn_mask`) are rebuilt
 * by the layers and skipped. The state dict is any map of `{shape, values}` (the `tensors` of
 * `readSafetensors`, or a PyTorch `.pth` reader's output), so the format of the file does not matter.
 */
import {
  fromTorchLayout,
  type Layout,
  relativeWeightName,
  torchShape,
  toTorchLayout,
  WeightLoadError,
} from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** One tensor of a state dict, in PyTorch layout. */
export interface StateDictEntry {
  readonly shape: readonly number[];
  /** Values in row-major order (64-bit integer buffers may come as bigints; they are converted). */
  readonly values: ArrayLike<number> | ArrayLike<bigint>;
}

/** A PyTorch-style state dict: key -> tensor. */
export type StateDict = ReadonlyMap<string, StateDictEntry>;

/**
 * Where the patch merging of stage k lives: `timm` (timm >= 0.9: `layers.{k}.downsample`, at the
 * start of stage k) or `microsoft` (the original release: `layers.{k-1}.downsample`, at the end of
 * the previous stage). `auto` picks `microsoft` when the dict has a `layers.0.downsample.` key.
 */
export type SwinKeyLayout = 'timm' | 'microsoft' | 'auto';

/** Keys that are derived from the configuration and never loaded. */
export const DERIVED_BUFFER_PATTERN = /(^|\.)(relative_position_index|attn_mask|relative_coords_table)$/;

/** Classifier-only keys of an ImageNet Swin checkpoint (final norm and head); pass as `ignore`. */
export const CLASSIFIER_KEYS: readonly RegExp[] = [/^norm\./, /^head\./, /^head$/];

export interface LoadSwinWeightsOptions {
  /** Prepended to every key, e.g. `All2Cross.pyramid.swin_transformer.` or `model.`. Defaults to ''. */
  prefix?: string;
  /** Stage-downsample key layout. Defaults to 'auto'. */
  layout?: SwinKeyLayout;
  /** Final rewrite of each full key (after prefix and layout), for checkpoints with other nesting. */
  keyMap?: (key: string) => string;
  /**
   * Keys under `prefix` that may stay unused without being reported as unexpected, matched against
   * the key with the prefix removed (strings match as prefixes). Defaults to none.
   */
  ignore?: readonly (string | RegExp)[];
  /** Throw a WeightLoadError when any key is missing, mis-shaped or unexpected. Defaults to true. */
  strict?: boolean;
}

export interface WeightLoadReport {
  /** State-dict keys that were loaded. */
  loaded: string[];
  /** Keys the layer needs that the state dict lacks. */
  missing: string[];
  /** State-dict keys under the prefix that nothing consumed (derived buffers and `ignore` excluded). */
  unexpected: string[];
  /** Keys present with the wrong shape (PyTorch layout). */
  mismatched: { key: string; expected: number[]; got: number[] }[];
}

/** How a weight is laid out in PyTorch relative to TF.js. */
type Transform = 'none' | 'linear' | 'conv';

/** The PyTorch key (without prefix) and layout transform of a TF.js weight path relative to the layer. */
export function torchKeyOf(
  weightPath: string,
  rank: number,
  layout: 'timm' | 'microsoft' = 'timm',
): { key: string; transform: Transform } {
  const parts = weightPath.split('/').map((p) => p.replace(/^(layers|blocks)_(\d+)$/, '$1.$2'));
  const last = parts.pop()!;
  const leaf = last === 'kernel' || last === 'gamma' ? 'weight' : last === 'beta' ? 'bias' : last;
  if (layout === 'microsoft' && parts[1] === 'downsample') {
    const m = /^layers\.(\d+)$/.exec(parts[0] ?? '');
    if (m) parts[0] = `layers.${Number(m[1]) - 1}`;
  }
  const transform: Transform =
    last === 'kernel' ? (rank === 4 ? 'conv' : rank === 2 ? 'linear' : 'none') : 'none';
  return { key: [...parts, leaf].join('.'), transform };
}

/** The common PyTorch layout of each transform. */
const LAYOUT: Record<Transform, Layout> = { none: 'identity', linear: 'linear', conv: 'conv2d' };

/** Plain numbers for 64-bit integer buffers that come as bigints. */
function numbers(raw: ArrayLike<number> | ArrayLike<bigint>): ArrayLike<number> {
  return raw.length > 0 && typeof raw[0] === 'bigint'
    ? Array.from(raw as ArrayLike<bigint>, Number)
    : (raw as ArrayLike<number>);
}

function resolveLayout(stateDict: StateDict, prefix: string, layout: SwinKeyLayout): 'timm' | 'microsoft' {
  if (layout !== 'auto') return layout;
  for (const k of stateDict.keys()) if (k.startsWith(`${prefix}layers.0.downsample.`)) return 'microsoft';
  return 'timm';
}

/**
 * Loads a Swin layer (any of this package's layers, built) from a PyTorch-style state dict.
 * Returns what was loaded, missing, unexpected and mis-shaped; with `strict` (default) any problem
 * throws a WeightLoadError listing the keys by name, and no weight is changed.
 */
export function loadSwinWeights(
  layer: tfl.layers.Layer,
  stateDict: StateDict,
  options: LoadSwinWeightsOptions = {},
): WeightLoadReport {
  if (!layer.built) {
    throw new WeightLoadError(
      `layer '${layer.name}' is not built: apply it to an input (or build it) before loading`,
    );
  }
  const prefix = options.prefix ?? '';
  const layout = resolveLayout(stateDict, prefix, options.layout ?? 'auto');
  const keyMap = options.keyMap ?? ((k: string) => k);
  const ignore = options.ignore ?? [];
  const report: WeightLoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };
  const writes: { w: tfl.LayerVariable; entry: StateDictEntry; transform: Transform }[] = [];
  const used = new Set<string>();
  for (const w of layer.weights) {
    const shape = w.shape as number[];
    const { key: rel, transform } = torchKeyOf(relativeWeightName(layer, w), shape.length, layout);
    const key = keyMap(prefix + rel);
    const entry = stateDict.get(key);
    if (!entry) {
      report.missing.push(key);
      continue;
    }
    used.add(key);
    const expected = torchShape(shape, LAYOUT[transform]);
    const got = [...entry.shape];
    if (expected.length !== got.length || expected.some((d, i) => d !== got[i])) {
      report.mismatched.push({ key, expected, got });
      continue;
    }
    writes.push({ w, entry, transform });
    report.loaded.push(key);
  }
  const ignored = (rel: string) =>
    ignore.some((p) => (typeof p === 'string' ? rel.startsWith(p) : p.test(rel)));
  for (const key of stateDict.keys()) {
    if (used.has(key) || !key.startsWith(prefix)) continue;
    const rel = key.slice(prefix.length);
    if (DERIVED_BUFFER_PATTERN.test(rel) || ignored(rel)) continue;
    report.unexpected.push(key);
  }
  const strict = options.strict ?? true;
  if (strict && (report.missing.length || report.mismatched.length || report.unexpected.length)) {
    const lines = [
      ...report.missing.map((k) => `  missing: ${k}`),
      ...report.mismatched.map((m) => `  mis-shaped: ${m.key} expected [${m.expected}] got [${m.got}]`),
      ...report.unexpected.map((k) => `  unexpected: ${k}`),
    ];
    throw new WeightLoadError(
      `cannot load '${layer.name}' from the state dict (prefix '${prefix}', layout ${layout}); ` +
        `${report.missing.length} missing, ${report.mismatched.length} mis-shaped, ${report.unexpected.length} unexpected:\n${lines.join('\n')}`,
    );
  }
  for (const { w, entry, transform } of writes) {
    tf.tidy(() => {
      w.write(fromTorchLayout(numbers(entry.values), entry.shape, LAYOUT[transform]));
    });
  }
  return report;
}

/**
 * The layer's weights as a PyTorch-style state dict (keys as {@link loadSwinWeights} reads them,
 * values in PyTorch layout), e.g. to write with `writeSafetensors`.
 */
export async function exportSwinWeights(
  layer: tfl.layers.Layer,
  options: Pick<LoadSwinWeightsOptions, 'prefix' | 'keyMap'> & { layout?: 'timm' | 'microsoft' } = {},
): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  const keyMap = options.keyMap ?? ((k: string) => k);
  for (const w of layer.weights) {
    const shape = w.shape as number[];
    const { key, transform } = torchKeyOf(
      relativeWeightName(layer, w),
      shape.length,
      options.layout ?? 'timm',
    );
    const torch = toTorchLayout(w.read(), LAYOUT[transform]);
    const values = (await torch.data()) as Float32Array;
    torch.dispose();
    out.set(keyMap((options.prefix ?? '') + key), { shape: torchShape(shape, LAYOUT[transform]), values });
  }
  return out;
}
