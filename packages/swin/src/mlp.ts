/** The transformer MLP of a Swin block (BEFUNET.md section 3) is @befunet/common's `Mlp`. */
export { Mlp, type MlpArgs } from '@befunet/common';
export { gelu } from '@befunet/kernels';
