/**
 * The `paper` graph (BEFUNET.md sections 1-6):
 *
 *   E1..E4 = EdgeEncoder(image)                    PDC stages at strides 4, 8, 16, 32
 *   B1 = SwinStage1(PatchEmbed(image));  F1 = LCAF(E1, B1)
 *   Bk = SwinStage_k(PatchMerging(F_{k-1}));  Fk = LCAF(Ek, Bk)          k = 2, 3, 4
 *   Z1, Z4 = DLF(F1, F4);  logits = Decoder(Z1, Z4)
 *   edges = sigmoid edge maps of E1..E4 at the input size (deep supervision)
 *
 * Each fused level feeds the next Swin stage (as the official code does with its additive fusion),
 * so every LCAF reaches the output. The model has two outputs: `logits` [B, S, S, K] and `edges`
 * [B, S, S, 4] (one edge probability map per edge stage).
 */
import { clipWindowToGrid } from '@befunet/common';
import { Dlf } from '@befunet/dlf';
import { Lcaf } from '@befunet/lcaf';
import { EdgeEncoder, EdgeHead } from '@befunet/pdc';
import { PatchEmbed } from '@befunet/swin';
import * as tfl from '@tensorflow/tfjs-layers';
import { decoderFor, swinStage } from './builders.js';
import { type BefunetConfig, levelGrids, levelWidths } from './config.js';

export function buildPaperGraph(config: BefunetConfig): tfl.LayersModel {
  const widths = levelWidths(config);
  const grids = levelGrids(config);
  const { swin, lcaf, dlf } = config;
  const image = tfl.input({ shape: [config.imageSize, config.imageSize, 3], name: 'image' });

  const edges = new EdgeEncoder({
    layout: 'paper',
    channels: config.edgeChannels,
    name: 'edge_encoder',
  }).apply(image) as tfl.SymbolicTensor[];
  let x = new PatchEmbed({ embedDim: swin.embedDim, patchSize: swin.patchSize, name: 'patch_embed' }).apply(
    image,
  ) as tfl.SymbolicTensor;
  const fused: tfl.SymbolicTensor[] = [];
  for (let k = 0; k < 4; k++) {
    const dim = k === 0 ? widths[0]! : widths[k - 1]!;
    const body = swinStage(config, k, dim, k > 0, `layers_${k}`).apply(x) as tfl.SymbolicTensor;
    // Odd levels shift by half a window (when shifted); clipped as Swin clips its windows.
    const { windowSize: window, shift } = clipWindowToGrid(
      grids[k]!,
      grids[k]!,
      lcaf.window,
      lcaf.shifted && k % 2 === 1 ? Math.floor(lcaf.window / 2) : 0,
    );
    x = new Lcaf({
      heads: swin.numHeads[k]!,
      window,
      shift,
      relativePositionBias: lcaf.relativePositionBias,
      name: `lcaf_${k}`,
    }).apply([edges[k]!, body]) as tfl.SymbolicTensor;
    fused.push(x);
  }
  const [z1, z4] = new Dlf({
    largeDim: widths[0]!,
    smallDim: widths[3]!,
    largeGrid: [grids[0]!, grids[0]!],
    smallGrid: [grids[3]!, grids[3]!],
    ...dlf,
    returnClassTokens: false,
    name: 'dlf',
  }).apply([fused[0]!, fused[3]!]) as tfl.SymbolicTensor[];
  const logits = decoderFor(config).apply([z1!, z4!]) as tfl.SymbolicTensor;
  const edgeMaps = edges.map(
    (e, k) => new EdgeHead({ name: `edge_head_${k}` }).apply([e, image]) as tfl.SymbolicTensor,
  );
  const stacked = tfl.layers.concatenate({ axis: -1, name: 'edges' }).apply(edgeMaps) as tfl.SymbolicTensor;
  return tfl.model({ inputs: image, outputs: [logits, stacked], name: 'befunet_paper' });
}
