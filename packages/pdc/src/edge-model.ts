/**
 * A ready-made functional model: image -> the four edge stages, and optionally their edge maps.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { EdgeEncoder, type EdgeEncoderArgs } from './edge-encoder.js';
import { EdgeHead } from './edge-head.js';

export interface EdgeEncoderModelArgs extends EdgeEncoderArgs {
  /** Input height and width; `null` (default) accepts any size the layout divides. */
  inputSize?: [number, number] | null;
  /** Also output one edge map per stage (`edge_head1`..`edge_head4`). Default false. */
  edgeMaps?: boolean;
  /** Activation of the edge heads. Default `sigmoid`. */
  edgeActivation?: 'sigmoid' | 'linear';
}

/**
 * Outputs `[E1, E2, E3, E4]`, then `[M1, M2, M3, M4]` (each `[B,H,W,1]`) when `edgeMaps`. The encoder
 * layer is named `edge_encoder` (`model.getLayer('edge_encoder')`, e.g. for `loadPidinetWeights`).
 */
export function edgeEncoderModel(args: EdgeEncoderModelArgs = {}): tfl.LayersModel {
  const { inputSize = null, edgeMaps = false, edgeActivation = 'sigmoid', name, ...encoderArgs } = args;
  const image = tfl.input({ shape: [inputSize?.[0] ?? null, inputSize?.[1] ?? null, 3], name: 'image' });
  const encoder = new EdgeEncoder({ name: 'edge_encoder', ...encoderArgs });
  const stages = encoder.apply(image) as tfl.SymbolicTensor[];
  const maps = edgeMaps
    ? stages.map(
        (s, i) =>
          new EdgeHead({ name: `edge_head${i + 1}`, activation: edgeActivation }).apply([
            s,
            image,
          ]) as tfl.SymbolicTensor,
      )
    : [];
  return tfl.model({ inputs: image, outputs: [...stages, ...maps], name: name ?? 'edge_encoder_model' });
}
