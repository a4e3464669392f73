/**
 * Initialising the body of a `paper` BEFUnet from a public Swin checkpoint (Microsoft's release or
 * timm's, as a state dict from `.pth` or safetensors), so that training starts from ImageNet
 * features. The paper graph names its body layers as timm does (`patch_embed`, `layers_0`..`layers_3`,
 * patch merging at the start of stages 2-4), so every key maps by string rules. The classifier
 * (`norm.*`, `head.*`) is skipped; anything else that does not fit is a WeightLoadError naming it.
 */
import { type StateDict, WeightLoadError } from '@befunet/common';
import { loadSwinWeights } from '@befunet/swin';
import type * as tfl from '@tensorflow/tfjs-layers';

export interface PretrainedSwinOptions {
  /** Prefix of the Swin keys in the checkpoint (e.g. `model.` or `backbone.`). Defaults to ''. */
  prefix?: string;
}

export interface PretrainedSwinReport {
  /** Keys written into the model. */
  loaded: number;
  /** The checkpoint's layout of the patch merging keys. */
  layout: 'timm' | 'microsoft';
  /** Classifier keys skipped. */
  skipped: string[];
}

export function loadPretrainedSwin(
  model: tfl.LayersModel,
  stateDict: StateDict,
  options: PretrainedSwinOptions = {},
): PretrainedSwinReport {
  const prefix = options.prefix ?? '';
  const keys = [...stateDict.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  // Microsoft's release stores stage k's merging at the end of stage k-1 (`layers.{k-1}.downsample`).
  const layout = keys.some((k) => k.startsWith('layers.0.downsample.')) ? 'microsoft' : 'timm';
  const skipped = keys.filter((k) => /^(norm|head)\./.test(k)).map((k) => prefix + k);
  const unknown = keys.filter(
    (k) => !/^(norm|head|patch_embed|layers\.[0-3])\./.test(k) && !/^(absolute_pos_embed)$/.test(k),
  );
  if (unknown.length)
    throw new WeightLoadError(
      `unexpected keys in the Swin checkpoint: ${unknown.map((k) => prefix + k).join(', ')}`,
    );
  if (keys.includes('absolute_pos_embed')) {
    throw new WeightLoadError(
      `${prefix}absolute_pos_embed: checkpoints with an absolute position embedding are not supported`,
    );
  }

  let loaded = loadSwinWeights(model.getLayer('patch_embed'), stateDict, { prefix: `${prefix}patch_embed.` })
    .loaded.length;
  for (let k = 0; k < 4; k++) {
    const stagePrefix = `${prefix}layers.${k}.`;
    const fromPrevious = `${prefix}layers.${k - 1}.downsample.`;
    loaded += loadSwinWeights(model.getLayer(`layers_${k}`), stateDict, {
      prefix: stagePrefix,
      // Microsoft layout: this stage's merging is under the previous stage; its own is the next one's.
      keyMap:
        layout === 'microsoft' ? (key) => key.replace(`${stagePrefix}downsample.`, fromPrevious) : undefined,
      ignore: layout === 'microsoft' ? ['downsample.'] : [],
    }).loaded.length;
  }
  return { loaded, layout, skipped };
}
