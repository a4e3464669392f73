/**
 * Which distribution each weight of a model is initialised from, as plain data, so that
 * `initializeWeights` can re-draw it from a seeded generator.
 *
 * The model's layers are walked (a LayersModel's `layers`, a CompositeLayer's tracked children);
 * each weight belongs to the layer that created it with `addWeight`. Its role is the last part of
 * its name (`kernel`, `bias`, `gamma`, ...):
 *
 * 1. when the owning layer's `getConfig()` holds `<role>Initializer` (tfjs-layers' Dense, Conv2D,
 *    LayerNormalization; our PdcConv), that serialised initializer is used;
 * 2. otherwise the role decides, as our layers initialise these weights: `gamma` ones (LayerNorm and
 *    GroupNorm scales), `beta` and `bias` zeros, position tables (`relative_position_bias_table`,
 *    `pos_embed`, `position`) a truncated normal of std 0.02 (timm's `trunc_normal_(std=.02)`);
 * 3. any other weight is a ConfigError: nothing is re-drawn silently from a guessed distribution.
 *
 * The distributions follow tfjs-layers 4.22 (`initializers.ts`): VarianceScaling (Glorot, He,
 * LeCun) with n the fan in, fan out or their mean (`computeFans`, channels last) draws a normal
 * truncated at 2 std of std sqrt(scale / n) for 'normal', and a uniform on +-sqrt(3 scale / n)
 * for any other distribution (TF.js treats 'truncatedNormal' so too).
 */
import { ConfigError } from '@befunet/common';
import type * as tfl from '@tensorflow/tfjs-layers';

export type InitialDistribution =
  | { kind: 'constant'; value: number }
  /** Uniform on [min, max). */
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'normal'; mean: number; stddev: number }
  /** Normal redrawn outside mean +- 2 stddev (TF.js's `truncatedNormal`). */
  | { kind: 'truncatedNormal'; mean: number; stddev: number };

export interface WeightInitializer {
  /** The weight's scoped name (`layers_0/blocks_0/attn/qkv/kernel`). */
  name: string;
  variable: tfl.LayerVariable;
  distribution: InitialDistribution;
  /** Where the distribution was read: the layer's config, or the weight's role (see the file's comment). */
  from: 'config' | 'role';
}

/** A serialised initializer, `{className, config}`, as `getConfig()` stores it. */
interface SerializedInitializer {
  className: string;
  config?: Record<string, unknown>;
}

/** The config key of each weight role's initializer in tfjs-layers' layers. */
const CONFIG_KEYS: Record<string, string> = {
  kernel: 'kernelInitializer',
  bias: 'biasInitializer',
  gamma: 'gammaInitializer',
  beta: 'betaInitializer',
  depthwise_kernel: 'depthwiseInitializer',
  pointwise_kernel: 'pointwiseInitializer',
  embeddings: 'embeddingsInitializer',
  moving_mean: 'movingMeanInitializer',
  moving_variance: 'movingVarianceInitializer',
};

const POSITION_TABLE: InitialDistribution = { kind: 'truncatedNormal', mean: 0, stddev: 0.02 };

/** Distributions by role for weights whose layer does not say (our custom layers). */
const ROLE_DISTRIBUTIONS: Record<string, InitialDistribution> = {
  gamma: { kind: 'constant', value: 1 },
  beta: { kind: 'constant', value: 0 },
  bias: { kind: 'constant', value: 0 },
  relative_position_bias_table: POSITION_TABLE,
  pos_embed: POSITION_TABLE,
  position: POSITION_TABLE,
};

/** The presets of tfjs-layers whose `getClassName()` is not 'VarianceScaling' in some serialisations. */
const VARIANCE_SCALING_PRESETS: Record<string, { scale: number; mode: string; distribution: string }> = {
  GlorotUniform: { scale: 1, mode: 'fanAvg', distribution: 'uniform' },
  GlorotNormal: { scale: 1, mode: 'fanAvg', distribution: 'normal' },
  HeNormal: { scale: 2, mode: 'fanIn', distribution: 'normal' },
  HeUniform: { scale: 2, mode: 'fanIn', distribution: 'uniform' },
  LeCunNormal: { scale: 1, mode: 'fanIn', distribution: 'normal' },
  LeCunUniform: { scale: 1, mode: 'fanIn', distribution: 'uniform' },
};

/** Fan in and fan out of a weight of `shape`, as tfjs-layers' `computeFans` (channels last). */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  if (shape.length >= 3 && shape.length <= 5) {
    const receptiveField = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return [shape.at(-2)! * receptiveField, shape.at(-1)! * receptiveField];
  }
  const side = Math.sqrt(shape.reduce((a, b) => a * b, 1));
  return [side, side];
}

function numberOr(config: Record<string, unknown>, key: string, fallback: number): number {
  const value = config[key];
  return typeof value === 'number' && value !== 0 ? value : fallback;
}

/** The distribution a serialised tfjs-layers initializer draws a weight of `shape` from. */
export function initializerDistribution(
  initializer: SerializedInitializer,
  shape: readonly number[],
  where: string,
): InitialDistribution {
  const config = initializer.config ?? {};
  switch (initializer.className) {
    case 'Zeros':
      return { kind: 'constant', value: 0 };
    case 'Ones':
      return { kind: 'constant', value: 1 };
    case 'Constant':
      return { kind: 'constant', value: config.value as number };
    // tfjs-layers replaces 0 (and missing) by the defaults: `args.minval || -0.05`.
    case 'RandomUniform':
      return {
        kind: 'uniform',
        min: numberOr(config, 'minval', -0.05),
        max: numberOr(config, 'maxval', 0.05),
      };
    case 'RandomNormal':
    case 'TruncatedNormal':
      return {
        kind: initializer.className === 'RandomNormal' ? 'normal' : 'truncatedNormal',
        mean: numberOr(config, 'mean', 0),
        stddev: numberOr(config, 'stddev', 0.05),
      };
  }
  const scaling =
    initializer.className === 'VarianceScaling'
      ? {
          scale: (config.scale as number | undefined) ?? 1,
          mode: (config.mode as string | undefined) ?? 'fanIn',
          distribution: (config.distribution as string | undefined) ?? 'normal',
        }
      : VARIANCE_SCALING_PRESETS[initializer.className];
  if (!scaling) {
    throw new ConfigError(
      `${where}: initializer '${initializer.className}' cannot be re-drawn from a seed (supported: zeros, ones, constant, random uniform/normal, truncated normal, variance scaling)`,
    );
  }
  const [fanIn, fanOut] = fans(shape);
  const n = scaling.mode === 'fanIn' ? fanIn : scaling.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
  const variance = scaling.scale / Math.max(1, n);
  if (scaling.distribution === 'normal') {
    return { kind: 'truncatedNormal', mean: 0, stddev: Math.sqrt(variance) };
  }
  const limit = Math.sqrt(3 * variance);
  return { kind: 'uniform', min: -limit, max: limit };
}

/** A layer's children: a model's layers, or the children a CompositeLayer tracks. */
function childLayers(layer: tfl.layers.Layer): readonly tfl.layers.Layer[] {
  const { layers, sublayers } = layer as unknown as {
    layers?: tfl.layers.Layer[];
    sublayers?: readonly tfl.layers.Layer[];
  };
  return layers ?? sublayers ?? [];
}

function roleDistribution(
  layer: tfl.layers.Layer,
  role: string,
  shape: readonly number[],
  where: string,
): Pick<WeightInitializer, 'distribution' | 'from'> {
  const key = CONFIG_KEYS[role];
  const serialized = key ? (layer.getConfig() as Record<string, unknown>)[key] : undefined;
  if (serialized && typeof serialized === 'object' && 'className' in serialized) {
    return {
      distribution: initializerDistribution(serialized as SerializedInitializer, shape, where),
      from: 'config',
    };
  }
  const distribution = ROLE_DISTRIBUTIONS[role];
  if (!distribution) {
    throw new ConfigError(
      `${where}: layer '${layer.name}' (${layer.getClassName()}) gives no initializer for a '${role}' weight, and the role has no known one`,
    );
  }
  return { distribution, from: 'role' };
}

/** Every weight of `model` with the distribution its layer initialises it from, sorted by name. */
export function weightInitializers(model: tfl.LayersModel): WeightInitializer[] {
  const found = new Map<tfl.LayerVariable, WeightInitializer>();
  const seen = new Set<tfl.layers.Layer>();
  const visit = (layer: tfl.layers.Layer) => {
    if (seen.has(layer)) return;
    seen.add(layer);
    const children = childLayers(layer);
    children.forEach(visit);
    // The layer's own weights: those no child reports.
    const ofChildren = new Set(children.flatMap((c) => c.weights));
    for (const variable of layer.weights) {
      if (ofChildren.has(variable) || found.has(variable)) continue;
      const name = variable.originalName;
      const where = `model '${model.name}', weight '${name}'`;
      if (variable.dtype !== 'float32')
        throw new ConfigError(`${where}: only float32 weights are re-drawn, this one is ${variable.dtype}`);
      const role = name.split('/').at(-1)!;
      found.set(variable, {
        name,
        variable,
        ...roleDistribution(layer, role, variable.shape as number[], where),
      });
    }
  };
  visit(model);
  const names = new Set<string>();
  for (const variable of model.weights) {
    const name = variable.originalName;
    if (!found.has(variable)) throw new ConfigError(`model '${model.name}': no layer owns weight '${name}'`);
    // The name seeds the weight's draw: two weights of one name would get the same values.
    if (names.has(name)) throw new ConfigError(`model '${model.name}' has two weights named '${name}'`);
    names.add(name);
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
