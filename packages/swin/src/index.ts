export {
  canFuseWindowAttention,
  fusedGridWindowAttention,
  fusedWindowAttention,
  WINDOW_ATTENTION_KERNEL,
} from '@befunet/kernels';
export { CYCLIC_SHIFT_KERNEL, cyclicShift, roll } from './cyclic-shift.js';
export { gelu, Mlp, type MlpArgs } from './mlp.js';
export { PatchEmbed, type PatchEmbedArgs } from './patch-embed.js';
export { PatchMerging, type PatchMergingArgs, patchMergeConcat } from './patch-merging.js';
export {
  dropPathSchedule,
  SWIN_BASE,
  SWIN_MINI,
  SWIN_PRESETS,
  SWIN_SMALL,
  SWIN_TINY,
  type SwinConfig,
  type SwinPreset,
  swinConfig,
  validateSwinConfig,
} from './presets.js';
export { dropPath, LAYER_NORM_EPSILON, SwinBlock, type SwinBlockArgs } from './swin-block.js';
export { SwinEncoder, type SwinEncoderArgs } from './swin-encoder.js';
export { SwinStage, type SwinStageArgs } from './swin-stage.js';
export {
  CLASSIFIER_KEYS,
  DERIVED_BUFFER_PATTERN,
  exportSwinWeights,
  type LoadSwinWeightsOptions,
  loadSwinWeights,
  type StateDict,
  type StateDictEntry,
  type SwinKeyLayout,
  torchKeyOf,
  type WeightLoadReport,
} from './weights.js';
export {
  WindowAttention,
  type WindowAttentionArgs,
  type WindowAttentionKwargs,
  windowAttentionScores,
} from './window-attention.js';
export {
  effectiveWindow,
  relativePositionIndex,
  SHIFT_MASK_VALUE,
  shiftWindowMask,
  windowAttentionMask,
  windowPartition,
  windowReverse,
} from './windows.js';
