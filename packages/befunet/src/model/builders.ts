/**
 * The sub-layers that both graphs build the same way from a BefunetConfig.
 */
import { dropPathSchedule, SwinStage } from '@befunet/swin';
import { Decoder } from '../decoder/decoder.js';
import type { BefunetConfig } from './config.js';

/** Swin stage `k` (0-based) of the configuration, taking `dim` channels in. */
export function swinStage(
  config: BefunetConfig,
  k: number,
  dim: number,
  downsample: boolean,
  name: string,
): SwinStage {
  const { swin } = config;
  return new SwinStage({
    dim,
    depth: swin.depths[k]!,
    numHeads: swin.numHeads[k]!,
    windowSize: swin.windowSize,
    mlpRatio: swin.mlpRatio,
    qkvBias: swin.qkvBias,
    drop: swin.dropRate,
    attnDrop: swin.attnDropRate,
    dropPath: dropPathSchedule(swin.depths, swin.dropPathRate)[k]!,
    downsample,
    name,
  });
}

/** The decoder from levels 1 (stride P) and 4 (stride 8P) to logits at the input size. */
export function decoderFor(config: BefunetConfig): Decoder {
  return new Decoder({
    numClasses: config.numClasses,
    width: config.decoder.width,
    predChannels: config.decoder.predChannels,
    groups: config.decoder.groups,
    smallRounds: 3,
    outputStride: config.swin.patchSize,
    name: 'decoder',
  });
}
