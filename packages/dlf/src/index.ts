export {
  checkHeads,
  DlfSelfAttention,
  type DlfSelfAttentionArgs,
  MAX_SCORE_ELEMENTS,
  multiHeadAttention,
} from './attention.js';
export { ClassTokenEmbed, type ClassTokenEmbedArgs, classToken, prependClassToken } from './class-token.js';
export {
  ClsCrossAttention,
  type ClsCrossAttentionArgs,
  clsCrossAttentionFlops,
} from './cls-cross-attention.js';
export { ClsProjection, type ClsProjectionArgs } from './cls-projection.js';
export { Dlf, type DlfArgs } from './dlf.js';
export { DlfBlock, type DlfBlockArgs } from './dlf-block.js';
export { DlfLayerNorm, type DlfLayerNormArgs, LAYER_NORM_EPSILON, layerNorm } from './layer-norm.js';
export { DlfMlp, type DlfMlpArgs, dlfMlpArgs, gelu, mlpHidden } from './mlp.js';
export { TransformerEncoder, type TransformerEncoderArgs } from './transformer-encoder.js';
