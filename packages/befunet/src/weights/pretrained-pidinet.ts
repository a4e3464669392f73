/**
 * Initialising the edge encoder of a `paper` BEFUnet from PiDiNet weights where the layouts agree.
 *
 * The paper layout's stages are cd (pooling), ad, rd, cv; PiDiNet-small's stage 1 is ad, rd, cv after
 * its cd stem, and its stages 2-4 are cd (pooling), ad, rd, cv. So the stem, stage 1's ad/rd/cv
 * (PiDiNet `block1_1..3` -> paper `block1_2..4`) and every block of stages 2-4 correspond by op; a
 * weight is loaded when its shape fits too (stem width 30 for PiDiNet-small; the paper's stage 4 is
 * twice as wide as PiDiNet's, so it never fits). Every weight not loaded is reported with its reason.
 */
import type { StateDict } from '@befunet/common';
import { type EdgeEncoder, pidinetKeys } from '@befunet/pdc';
import * as tf from '@tensorflow/tfjs-core';

export interface PretrainedPidinetReport {
  /** Paper-encoder keys (PiDiNet names) that were loaded. */
  loaded: string[];
  /** Paper-encoder keys left at their initial values, with the reason. */
  skipped: { key: string; reason: string }[];
}

/** The PiDiNet key holding the weight of a paper-layout key: stage 1's blocks are shifted by one. */
function pidinetSource(paperKey: string): string | null {
  const m = /^block1_(\d)\.(.*)$/.exec(paperKey);
  if (!m) return paperKey;
  const index = Number(m[1]);
  return index === 1 ? null : `block1_${index - 1}.${m[2]}`;
}

export function loadPretrainedPidinet(
  encoder: EdgeEncoder,
  stateDict: StateDict,
  prefix = '',
): PretrainedPidinetReport {
  const report: PretrainedPidinetReport = { loaded: [], skipped: [] };
  for (const target of pidinetKeys(encoder, 'pidinet')) {
    const sourceKey = pidinetSource(target.key);
    const source = sourceKey == null ? undefined : stateDict.get(prefix + sourceKey);
    if (!source) {
      report.skipped.push({
        key: target.key,
        reason: sourceKey == null ? 'no PiDiNet block with this op' : `no ${prefix}${sourceKey}`,
      });
      continue;
    }
    const fits =
      source.shape.length === target.torchShape.length &&
      source.shape.every((d, i) => d === target.torchShape[i]);
    if (!fits) {
      report.skipped.push({
        key: target.key,
        reason: `${prefix}${sourceKey} is [${source.shape}], the paper layout needs [${target.torchShape}]`,
      });
      continue;
    }
    tf.tidy(() => {
      target.variable.write(target.fromTorch(tf.tensor(Float32Array.from(source.values), [...source.shape])));
    });
    report.loaded.push(target.key);
  }
  return report;
}
