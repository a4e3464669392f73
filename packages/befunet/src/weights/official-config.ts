/**
 * The `official` configuration a checkpoint of the official BEFUnet code was trained with, read off
 * its state dict's shapes, so that `befunet import` needs no flags for a released checkpoint:
 *
 *   embed dim   = |swin_transformer.layers.0.blocks.0.norm1.weight|
 *   depths[k]   = number of `layers.k.blocks.i` indices
 *   heads[k]    = columns of `layers.k.blocks.0.attn.relative_position_bias_table` [(2w-1)^2, heads]
 *   window w    = (sqrt(rows of that table) + 1) / 2
 *   classes     = rows of `segmentation_head.0.weight` [K, 16, 3, 3]
 *   image size  = 4 * sqrt(rows of `All2Cross.pos_embed.0` - 1)   (level-1 tokens at 1/4 scale, + CLS)
 */
import { type StateDict, WeightLoadError } from '@befunet/common';
import { type BefunetConfig, befunetConfig } from '../model/config.js';

const SWIN = 'All2Cross.pyramid.swin_transformer.layers.';

function shapeOf(stateDict: StateDict, key: string, rank: number): readonly number[] {
  const entry = stateDict.get(key);
  if (!entry) {
    throw new WeightLoadError(`not an official BEFUnet checkpoint: key '${key}' is missing`);
  }
  if (entry.shape.length !== rank) {
    throw new WeightLoadError(`'${key}' has shape [${entry.shape.join(', ')}], expected rank ${rank}`);
  }
  return entry.shape;
}

function perfectSquareRoot(n: number, key: string): number {
  const root = Math.round(Math.sqrt(n));
  if (root * root !== n) throw new WeightLoadError(`'${key}' has ${n} rows, not a square number`);
  return root;
}

export function officialConfigFromStateDict(stateDict: StateDict): BefunetConfig {
  const embedDim = shapeOf(stateDict, `${SWIN}0.blocks.0.norm1.weight`, 1)[0]!;
  const depths: number[] = [];
  const numHeads: number[] = [];
  let windowSize = 0;
  for (let k = 0; k < 4; k++) {
    const blocks = new Set<number>();
    for (const key of stateDict.keys()) {
      const m = new RegExp(`^${SWIN.replaceAll('.', '\\.')}${k}\\.blocks\\.(\\d+)\\.`).exec(key);
      if (m) blocks.add(Number(m[1]));
    }
    depths.push(blocks.size);
    const tableKey = `${SWIN}${k}.blocks.0.attn.relative_position_bias_table`;
    const [rows, heads] = shapeOf(stateDict, tableKey, 2) as [number, number];
    numHeads.push(heads);
    const window = (perfectSquareRoot(rows, tableKey) + 1) / 2;
    if (k > 0 && window !== windowSize) {
      throw new WeightLoadError(`'${tableKey}' implies window ${window}, stage 0 has ${windowSize}`);
    }
    windowSize = window;
  }
  const numClasses = shapeOf(stateDict, 'segmentation_head.0.weight', 4)[0]!;
  const positionKey = 'All2Cross.pos_embed.0';
  const tokens = shapeOf(stateDict, positionKey, 3)[1]!;
  const imageSize = 4 * perfectSquareRoot(tokens - 1, positionKey);
  return befunetConfig('official', {
    imageSize,
    numClasses,
    swin: { embedDim, depths, numHeads, windowSize },
  });
}
