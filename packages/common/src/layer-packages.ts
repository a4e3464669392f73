/**
 * Which package registers each BEFUnet layer class with TF.js. A saved model names its layers by
 * class (`befunet>Lcaf`); TF.js can rebuild one only once the package that defines it has been
 * imported, and otherwise fails with a bare `Unknown layer: befunet>Lcaf`. `assertLayersRegistered`
 * names the package to import instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from './errors.js';

/** Class name (without the `befunet>` prefix) to the npm package whose import registers it. */
export const LAYER_PACKAGES: Readonly<Record<string, string>> = {
  Linear: '@befunet/common',
  LayerNorm: '@befunet/common',
  Mlp: '@befunet/common',
  PdcBlock: '@befunet/pdc',
  PdcConv: '@befunet/pdc',
  EdgeHead: '@befunet/pdc',
  EdgeEncoder: '@befunet/pdc',
  PatchEmbed: '@befunet/swin',
  PatchMerging: '@befunet/swin',
  WindowAttention: '@befunet/swin',
  SwinBlock: '@befunet/swin',
  SwinStage: '@befunet/swin',
  SwinEncoder: '@befunet/swin',
  Lcaf: '@befunet/lcaf',
  GlobalCrossAttention: '@befunet/lcaf',
  Dlf: '@befunet/dlf',
  DlfBlock: '@befunet/dlf',
  DlfClsProjection: '@befunet/dlf',
  DlfSelfAttention: '@befunet/dlf',
  DlfLayerNorm: '@befunet/dlf',
  DlfClassTokenEmbed: '@befunet/dlf',
  DlfTransformerEncoder: '@befunet/dlf',
  DlfClsCrossAttention: '@befunet/dlf',
  DlfMlp: '@befunet/dlf',
  GroupNorm: '@befunet/core',
  PositionNorm: '@befunet/core',
  Decoder: '@befunet/core',
  ConvUpsample: '@befunet/core',
};

const PREFIX = 'befunet>';

/** Every `class_name` in a Keras topology (layers nest: a model's config lists its layers). */
function classNames(node: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) classNames(item, found);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (typeof record.class_name === 'string') found.add(record.class_name);
    for (const value of Object.values(record)) classNames(value, found);
  }
  return found;
}

/** The BEFUnet classes a topology uses that TF.js cannot build yet (none registered them). */
export function unregisteredLayers(modelTopology: unknown): string[] {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  return [...classNames(modelTopology, new Set())].filter(
    (name) => name.startsWith(PREFIX) && !(name in registered),
  );
}

/**
 * Throws a ConfigError naming the packages to import when the topology uses BEFUnet layers that
 * no imported package has registered; `source` names the model in the message.
 */
export function assertLayersRegistered(modelTopology: unknown, source: string): void {
  const missing = unregisteredLayers(modelTopology);
  if (missing.length === 0) return;
  const packages = missing.map((name) => LAYER_PACKAGES[name.slice(PREFIX.length)]);
  const imports = [...new Set(packages.filter((p) => p !== undefined))].map((p) => `import '${p}';`);
  const unknown = missing.filter((_, i) => packages[i] === undefined);
  throw new ConfigError(
    `${source} uses ${missing.join(', ')}, not registered with TF.js: ` +
      [
        ...(imports.length > 0 ? [`add ${imports.join(' ')} before loading it`] : []),
        ...(unknown.length > 0 ? [`import the package that defines ${unknown.join(', ')}`] : []),
      ].join('; '),
  );
}
