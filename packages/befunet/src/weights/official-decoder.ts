/**
 * Key names of the decoder in checkpoints of the official BEFUnet code.
 *
 * The official `ConvUpsample` holds its modules twice (a ModuleList `conv_tower` and a Sequential
 * `convs_level` over the same modules), so a checkpoint has every tower tensor under both names;
 * `convs_level.*` are duplicates and must equal their `conv_tower.*` twins.
 */

import type { StateDict, WeightAssignment } from '@befunet/common';
import { relativeWeightName, WeightLoadError } from '@befunet/common';
import type { Decoder } from '../decoder/decoder.js';

/** Weight assignments for `decoder` from the official keys (`ConvUp_l`, `ConvUp_s`, `conv_pred`, `segmentation_head`). */
export function officialDecoderAssignments(decoder: Decoder, prefix = ''): WeightAssignment[] {
  const byName = new Map(decoder.weights.map((w) => [relativeWeightName(decoder, w), w]));
  const weight = (name: string) => {
    const w = byName.get(name);
    if (!w) throw new WeightLoadError(`decoder '${decoder.name}' has no weight '${name}' (is it built?)`);
    return w;
  };
  const out: WeightAssignment[] = [];
  const tower = (layer: string, official: string, rounds: number, upsample: boolean) => {
    // Module indices inside the tower: conv, GroupNorm, ReLU, [Upsample] per round.
    const stride = upsample ? 4 : 3;
    for (let i = 0; i < rounds; i++) {
      out.push({
        weight: weight(`${layer}/conv${i}/kernel`),
        key: `${prefix}${official}.conv_tower.${stride * i}.weight`,
        layout: 'conv2d',
      });
      out.push({
        weight: weight(`${layer}/norm${i}/gamma`),
        key: `${prefix}${official}.conv_tower.${stride * i + 1}.weight`,
        layout: 'identity',
      });
      out.push({
        weight: weight(`${layer}/norm${i}/beta`),
        key: `${prefix}${official}.conv_tower.${stride * i + 1}.bias`,
        layout: 'identity',
      });
    }
  };
  tower('convUpLarge', 'ConvUp_l', 1, false);
  tower('convUpSmall', 'ConvUp_s', decoder.smallRounds, true);
  out.push({ weight: weight('convPred/kernel'), key: `${prefix}conv_pred.0.weight`, layout: 'conv2d' });
  out.push({ weight: weight('convPred/bias'), key: `${prefix}conv_pred.0.bias`, layout: 'identity' });
  out.push({
    weight: weight('segmentationHead/kernel'),
    key: `${prefix}segmentation_head.0.weight`,
    layout: 'conv2d',
  });
  out.push({
    weight: weight('segmentationHead/bias'),
    key: `${prefix}segmentation_head.0.bias`,
    layout: 'identity',
  });
  return out;
}

/** Throws unless every `convs_level.*` tensor equals its `conv_tower.*` twin; returns the duplicate keys. */
export function checkDecoderDuplicates(stateDict: StateDict, prefix = ''): string[] {
  const duplicates: string[] = [];
  for (const [key, entry] of stateDict) {
    const m = key.match(/^(.*)\.convs_level\.(.*)$/);
    if (!m || !key.startsWith(prefix)) continue;
    const twin = stateDict.get(`${m[1]}.conv_tower.${m[2]}`);
    if (
      !twin ||
      twin.values.length !== entry.values.length ||
      twin.values.some((v, i) => v !== entry.values[i])
    ) {
      throw new WeightLoadError(
        `${key} differs from its twin ${m[1]}.conv_tower.${m[2]}: the checkpoint is inconsistent`,
      );
    }
    duplicates.push(key);
  }
  return duplicates;
}
