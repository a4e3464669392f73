/**
 * Loading PiDiNet (PyTorch) weights into an EdgeEncoder.
 *
 * Keys follow PiDiNet (`init_block.weight`, `block2_1.conv1.weight`, `block2_1.shortcut.bias`) or,
 * with `keyStyle: 'sequential'`, the official BEFUnet's `pidinet_layers.<i>.` (i = 0 for
 * `init_block`, then the blocks in order). Layouts are converted: conv `[out,in,kh,kw]` to
 * `[kh,kw,in,out]`, depthwise `[C*M,1,kh,kw]` to `[kh,kw,C,M]`.
 */
import { formatShape, type SafetensorsFile, WeightLoadError } from '@befunet/common';
import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { EdgeEncoder } from './edge-encoder.js';
import { PdcBlock } from './pdc-block.js';
import type { PdcConv } from './pdc-conv.js';

/** A tensor in PyTorch layout: plain values and shape. */
export interface TorchTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array;
}

export interface LoadPidinetOptions {
  /** `pidinet` (default): PiDiNet's names; `sequential`: `pidinet_layers.<i>.` as in the official BEFUnet. */
  keyStyle?: 'pidinet' | 'sequential';
  /** Prefix of the relevant keys (e.g. `module.` or `All2Cross.pyramid.`); keys without it are skipped. Default ''. */
  prefix?: string;
  /**
   * Keys (after the prefix) that may be present and are skipped. Default: PiDiNet's edge-detection
   * head (`attentions.`, `dilations.`, `conv_reduces.`, `classifier.`), which the encoder does not use,
   * and, in the sequential style, layers beyond the encoder (`pidinet_layers.16.` and up).
   */
  ignore?: (key: string) => boolean;
}

/** One weight of the encoder and the PyTorch tensor that fills it. */
export interface PidinetKey {
  key: string;
  variable: LayerVariable;
  /** Expected PyTorch shape. */
  torchShape: number[];
  /** PyTorch layout to TF.js layout. */
  fromTorch: (t: tf.Tensor) => tf.Tensor;
}

const conv = (t: tf.Tensor) => tf.transpose(t as tf.Tensor4D, [2, 3, 1, 0]);

function pdcEntries(prefix: string, layer: PdcConv): PidinetKey[] {
  const [kh, kw, cin, last] = layer.kernel.shape as number[];
  const entries: PidinetKey[] = [];
  if (layer.depthwise) {
    entries.push({
      key: `${prefix}.weight`,
      variable: layer.kernel,
      torchShape: [cin! * last!, 1, kh!, kw!],
      fromTorch: (t) => tf.transpose(tf.reshape(t, [cin!, last!, kh!, kw!]), [2, 3, 0, 1]),
    });
  } else {
    entries.push({
      key: `${prefix}.weight`,
      variable: layer.kernel,
      torchShape: [last!, cin!, kh!, kw!],
      fromTorch: conv,
    });
  }
  if (layer.bias) {
    entries.push({
      key: `${prefix}.bias`,
      variable: layer.bias,
      torchShape: [...layer.bias.shape] as number[],
      fromTorch: (t) => t,
    });
  }
  return entries;
}

function conv1x1Entries(prefix: string, layer: { weights: LayerVariable[] }): PidinetKey[] {
  return layer.weights.map((v) => {
    const isKernel = v.originalName.endsWith('/kernel');
    const shape = v.shape as number[];
    return isKernel
      ? {
          key: `${prefix}.weight`,
          variable: v,
          torchShape: [shape[3]!, shape[2]!, shape[0]!, shape[1]!],
          fromTorch: conv,
        }
      : { key: `${prefix}.bias`, variable: v, torchShape: shape, fromTorch: (t: tf.Tensor) => t };
  });
}

/** The PyTorch keys an encoder expects, in order (the encoder must be built). */
export function pidinetKeys(
  encoder: EdgeEncoder,
  keyStyle: 'pidinet' | 'sequential' = 'pidinet',
): PidinetKey[] {
  if (!encoder.built)
    throw new WeightLoadError(`EdgeEncoder '${encoder.name}' must be built before loading weights`);
  return encoder.pdcLayers.flatMap(({ name, layer }, i) => {
    const base = keyStyle === 'sequential' ? `pidinet_layers.${i}` : name;
    if (!(layer instanceof PdcBlock)) return pdcEntries(base, layer);
    return [
      ...(layer.shortcut ? conv1x1Entries(`${base}.shortcut`, layer.shortcut) : []),
      ...pdcEntries(`${base}.conv1`, layer.conv1),
      ...conv1x1Entries(`${base}.conv2`, layer.conv2),
    ];
  });
}

function defaultIgnore(keyStyle: 'pidinet' | 'sequential', layers: number): (key: string) => boolean {
  const head = /^(attentions|dilations|conv_reduces|classifier)\./;
  return (key) => {
    if (head.test(key)) return true;
    const m = /^pidinet_layers\.(\d+)\./.exec(key);
    return keyStyle === 'sequential' && m != null && Number(m[1]) >= layers;
  };
}

/**
 * Loads PiDiNet weights (PyTorch layouts, difference form) into a built encoder. All keys are checked
 * before any weight changes: missing, unexpected or mis-shaped keys throw a WeightLoadError listing them.
 */
export function loadPidinetWeights(
  encoder: EdgeEncoder,
  source: SafetensorsFile | ReadonlyMap<string, TorchTensor>,
  options: LoadPidinetOptions = {},
): void {
  const keyStyle = options.keyStyle ?? 'pidinet';
  const prefix = options.prefix ?? '';
  const tensors: ReadonlyMap<string, TorchTensor> =
    'tensors' in source ? (source as SafetensorsFile).tensors : source;
  const expected = pidinetKeys(encoder, keyStyle);
  const ignore = options.ignore ?? defaultIgnore(keyStyle, encoder.pdcLayers.length);
  const wanted = new Set(expected.map((e) => e.key));

  const relevant = [...tensors.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const unexpected = relevant.filter((k) => !wanted.has(k) && !ignore(k));
  const missing = expected.filter((e) => !tensors.has(prefix + e.key)).map((e) => prefix + e.key);
  const misshaped = expected.flatMap((e) => {
    const t = tensors.get(prefix + e.key);
    if (!t || (t.shape.length === e.torchShape.length && t.shape.every((d, i) => d === e.torchShape[i])))
      return [];
    return [`${prefix + e.key}: expected ${formatShape(e.torchShape)}, got ${formatShape(t.shape)}`];
  });
  const problems = [
    missing.length ? `missing keys: ${missing.join(', ')}` : '',
    unexpected.length ? `unexpected keys: ${unexpected.map((k) => prefix + k).join(', ')}` : '',
    misshaped.length ? `mis-shaped keys (PyTorch layout): ${misshaped.join('; ')}` : '',
  ].filter(Boolean);
  if (problems.length) {
    throw new WeightLoadError(
      `cannot load PiDiNet weights into EdgeEncoder '${encoder.name}' (${encoder.layout} layout, ${keyStyle} keys): ${problems.join('; ')}`,
    );
  }

  const converted = tf.tidy(() =>
    expected.map((e) => {
      const t = tensors.get(prefix + e.key)!;
      return e.fromTorch(tf.tensor(Float32Array.from(t.values), [...t.shape], 'float32'));
    }),
  );
  expected.forEach((e, i) => {
    e.variable.write(converted[i]!);
  });
  tf.dispose(converted);
}
