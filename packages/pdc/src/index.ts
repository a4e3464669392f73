/**
 * @befunet/pdc: pixel-difference convolutions (PiDiNet's cd, ad, rd, cv), PDC blocks, the BEFUnet
 * edge encoder (`paper` and `official` layouts) and its edge maps, as TensorFlow.js layers.
 */

export type { InitializerSpec, SerializedInitializer } from '@befunet/common';
export type { EdgeBlockSpec, EdgeEncoderArgs, EdgeEncoderPlan, EdgeLayout } from './edge-encoder.js';
export { defaultEdgeChannels, EDGE_LAYOUTS, EdgeEncoder, edgeEncoderPlan } from './edge-encoder.js';
export type { EdgeHeadArgs } from './edge-head.js';
export { bilinearMatrix, EdgeHead, upsampleBilinear } from './edge-head.js';
export type { EdgeEncoderModelArgs } from './edge-model.js';
export { edgeEncoderModel } from './edge-model.js';
export type { PdcBlockArgs } from './pdc-block.js';
export { PdcBlock } from './pdc-block.js';
export type { PdcConvArgs } from './pdc-conv.js';
export { PdcConv } from './pdc-conv.js';
export type { PdcConv2dOptions, PdcForm, PdcOp } from './pdc-ops.js';
export {
  conversionMatrix,
  effectiveKernelSize,
  PDC_FORMS,
  PDC_OPS,
  pdcConv2d,
  pdcKernelToVanilla,
  pdcOutputSize,
  pdcPadding,
  pixelPairs,
  vanillaConv2d,
  vanillaKernelSize,
} from './pdc-ops.js';
export type { LoadPidinetOptions, PidinetKey, TorchTensor } from './weights.js';
export { loadPidinetWeights, pidinetKeys } from './weights.js';
