/**
 * Importing a checkpoint of the official BEFUnet code (its `state_dict`, from `.pth` or safetensors)
 * into the `official` graph.
 *
 * Keys that have no effect on the official output are recognised and skipped, each for a stated
 * reason: the DLF blocks (`All2Cross.blocks.*`, whose results the released code discards), the CLS
 * norms (`All2Cross.pyramid.norm_1/norm_2`, feeding only the dropped class tokens), PiDiNet's edge
 * head (`pidinet_layers.16`), the decoder's duplicated `convs_level.*` entries (checked equal to their
 * `conv_tower.*` twins), and derived buffers (`relative_position_index`, `attn_mask`). Anything else
 * that is missing, unexpected or mis-shaped is a WeightLoadError naming the key.
 */
import {
  loadStateDict,
  type StateDict,
  type StateDictEntry,
  type WeightAssignment,
  WeightLoadError,
} from '@befunet/common';
import { type EdgeEncoder, loadPidinetWeights } from '@befunet/pdc';
import { loadSwinWeights } from '@befunet/swin';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Decoder } from '../decoder/decoder.js';
import { checkDecoderDuplicates, officialDecoderAssignments } from './official-decoder.js';

const PYRAMID = 'All2Cross.pyramid.';

/** Keys without effect on the official output, with the reason they are skipped. */
const NO_EFFECT: [RegExp, string][] = [
  [/^All2Cross\.blocks\./, 'DLF block: its results are discarded by the released code'],
  [/^All2Cross\.pyramid\.norm_[12]\./, 'class-token norm: feeds only the class tokens the decoder drops'],
  [/^All2Cross\.pyramid\.pidinet_layers\.16\./, "PiDiNet's edge head: not part of the encoder"],
  [/(^|\.)(relative_position_index|attn_mask)$/, 'derived buffer: rebuilt from the configuration'],
];

export interface OfficialImportReport {
  /** Keys whose tensors were written into the model. */
  loaded: number;
  /** Keys skipped on purpose, each with its reason. */
  skipped: { key: string; reason: string }[];
}

function subDict(stateDict: StateDict, prefix: string): Map<string, StateDictEntry> {
  return new Map([...stateDict].filter(([k]) => k.startsWith(prefix)));
}

/** Loads an official state dict into a model built by `createBefunet` with the `official` graph. */
export function importOfficialStateDict(model: tfl.LayersModel, stateDict: StateDict): OfficialImportReport {
  const skipped: { key: string; reason: string }[] = [];
  const duplicates = new Set(checkDecoderDuplicates(stateDict));
  const live = new Map<string, StateDictEntry>();
  for (const [key, entry] of stateDict) {
    const rule = NO_EFFECT.find(([pattern]) => pattern.test(key));
    if (rule) skipped.push({ key, reason: rule[1] });
    else if (duplicates.has(key))
      skipped.push({ key, reason: 'duplicate of the conv_tower entry (checked equal)' });
    else live.set(key, entry);
  }

  const consumers: string[] = [
    `${PYRAMID}pidinet_layers.`,
    `${PYRAMID}swin_transformer.layers.`,
    `${PYRAMID}p`,
    'All2Cross.pos_embed.',
    'All2Cross.norm.',
    'ConvUp_',
    'conv_pred.',
    'segmentation_head.',
  ];
  const unexpected = [...live.keys()].filter((k) => !consumers.some((p) => k.startsWith(p)));
  if (unexpected.length)
    throw new WeightLoadError(`unexpected keys in the official checkpoint: ${unexpected.join(', ')}`);

  let loaded = 0;
  const edge = model.getLayer('edge_encoder') as EdgeEncoder;
  const edgeDict = subDict(live, `${PYRAMID}pidinet_layers.`);
  loadPidinetWeights(edge, edgeDict, { keyStyle: 'sequential', prefix: PYRAMID });
  loaded += edgeDict.size;
  for (let k = 0; k < 4; k++) {
    const prefix = `${PYRAMID}swin_transformer.layers.${k}.`;
    loaded += loadSwinWeights(model.getLayer(`swin_stage${k}`), subDict(live, prefix), { prefix }).loaded
      .length;
  }
  for (let k = 1; k < 4; k++) {
    const prefix = `${PYRAMID}p${k}_pm.`;
    loaded += loadSwinWeights(model.getLayer(`p${k}_pm`), subDict(live, prefix), { prefix }).loaded.length;
  }

  const rest = new Map(live);
  const assignments: WeightAssignment[] = [];
  for (let k = 1; k <= 4; k++) {
    const [kernel, bias] = model.getLayer(`p${k}_ch`).weights;
    assignments.push({ weight: kernel!, key: `${PYRAMID}p${k}_ch.weight`, layout: 'conv2d' });
    assignments.push({ weight: bias!, key: `${PYRAMID}p${k}_ch.bias`, layout: 'identity' });
  }
  for (const [level, name] of [
    [0, 'z1'],
    [1, 'z4'],
  ] as const) {
    const [position, gamma, beta] = model.getLayer(name).weights;
    // The official embedding has a first row for the class token, which the decoder drops.
    const key = `All2Cross.pos_embed.${level}`;
    const entry = live.get(key);
    const [, h, w, c] = position!.shape as number[];
    const withClassRow = [1, 1 + h! * w!, c!];
    if (entry && entry.shape.length === 3 && entry.shape.every((d, i) => d === withClassRow[i])) {
      rest.set(key, { shape: position!.shape as number[], values: entry.values.slice(c!) });
    }
    assignments.push({ weight: position!, key, layout: 'identity' });
    assignments.push({ weight: gamma!, key: `All2Cross.norm.${level}.weight`, layout: 'identity' });
    assignments.push({ weight: beta!, key: `All2Cross.norm.${level}.bias`, layout: 'identity' });
  }
  assignments.push(...officialDecoderAssignments(model.getLayer('decoder') as Decoder));
  const names = new Set(assignments.map((a) => a.key));
  loaded += loadStateDict(assignments, new Map([...rest].filter(([k]) => names.has(k)))).loaded.length;
  return { loaded, skipped };
}
