export {
  dropPath,
  gelu,
  globalCrossAttention,
  localCrossAttention,
  multiHeadAttention,
} from './attention.js';
export type { CrossFusionArgs, FusionInputInfo } from './cross-fusion-block.js';
export { CrossFusionBlock } from './cross-fusion-block.js';
export { flopsGlobalCrossAttention, flopsLocalCrossAttention } from './flops.js';
export { GlobalCrossAttention, type GlobalCrossAttentionArgs } from './global-cross-attention.js';
export { Lcaf, type LcafArgs } from './lcaf.js';
export type { WindowGeometry } from './local-windows.js';
export {
  cropToGrid,
  cyclicShift,
  hasPadding,
  MASKED_LOGIT,
  padToWindows,
  relativePositionIndex,
  windowAttentionMask,
  windowGeometry,
  windowPartition,
  windowReverse,
} from './local-windows.js';
