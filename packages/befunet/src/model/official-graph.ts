/**
 * The `official` graph: what the released BEFUnet code computes (fixtures README, closed form):
 *
 *   E1..E4 = PiDiNet-small stages (full, 1/2, 1/4, 1/8 resolution; 30/60/120/120 channels)
 *   T1 = P1(E1);  S1 = T1 + SW0(T1)                       P_k: 1x1 conv, stride 4 (onto the Swin grid)
 *   S2 = P2(E2) + SW1(PM1(S1));  S3 = P3(E3) + SW2(PM2(S2));  S4 = P4(E4) + SW3(PM3(S3))
 *   Z1 = LN(S1 + pos1);  Z4 = LN(S4 + pos4)               (the released DLF has no other effect)
 *   logits = Decoder(Z1, Z4)
 *
 * Layer names follow the official modules where one exists (`p1_ch`, `p1_pm`, `swin_stage0`, ...), so
 * that the taps of the fixtures can be read by name.
 */
import { EdgeEncoder } from '@befunet/pdc';
import { PatchMerging } from '@befunet/swin';
import * as tfl from '@tensorflow/tfjs-layers';
import { PositionNorm } from '../layers/position-norm.js';
import { decoderFor, swinStage } from './builders.js';
import { type BefunetConfig, levelWidths } from './config.js';

/** Names of the intermediate layers whose outputs the fixtures record. */
export const OFFICIAL_TAPS = [
  'p1_ch',
  'p2_ch',
  'p3_ch',
  'p4_ch',
  'swin_stage0',
  'swin_stage1',
  'swin_stage2',
  'swin_stage3',
  'p1_pm',
  'p2_pm',
  'p3_pm',
  's1',
  's4',
  'z1',
  'z4',
] as const;

export function buildOfficialGraph(config: BefunetConfig): tfl.LayersModel {
  const widths = levelWidths(config);
  const image = tfl.input({ shape: [config.imageSize, config.imageSize, 3], name: 'image' });

  const edges = new EdgeEncoder({
    layout: 'official',
    channels: config.edgeChannels,
    name: 'edge_encoder',
  }).apply(image) as tfl.SymbolicTensor[];
  const projected = edges.map(
    (e, k) =>
      tfl.layers
        .conv2d({ filters: widths[k]!, kernelSize: 1, strides: 4, name: `p${k + 1}_ch` })
        .apply(e) as tfl.SymbolicTensor,
  );
  const stage = (k: number, x: tfl.SymbolicTensor) =>
    swinStage(config, k, widths[k]!, false, `swin_stage${k}`).apply(x) as tfl.SymbolicTensor;
  const add = (k: number, a: tfl.SymbolicTensor, b: tfl.SymbolicTensor) =>
    tfl.layers.add({ name: `s${k + 1}` }).apply([a, b]) as tfl.SymbolicTensor;

  let fused = add(0, projected[0]!, stage(0, projected[0]!));
  const s1 = fused;
  for (let k = 1; k < 4; k++) {
    const merged = new PatchMerging({ dim: widths[k - 1]!, name: `p${k}_pm` }).apply(
      fused,
    ) as tfl.SymbolicTensor;
    fused = add(k, projected[k]!, stage(k, merged));
  }
  const z1 = new PositionNorm({ name: 'z1' }).apply(s1) as tfl.SymbolicTensor;
  const z4 = new PositionNorm({ name: 'z4' }).apply(fused) as tfl.SymbolicTensor;
  const decoder = decoderFor(config);
  const logits = decoder.apply([z1, z4]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: image, outputs: logits, name: 'befunet_official' });
}
