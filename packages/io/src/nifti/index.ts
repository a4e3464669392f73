/** NIfTI-1 and NIfTI-2 volumes: read on nifti-reader-js, written here (see README). */
export { bestAffine, quaternToAffine, sformAffine } from './affine.js';
export { encodeNifti } from './encode.js';
export { readNiftiHeader } from './header.js';
export { type NiftiPairSources, pairImageName, readNifti, readNiftiPair } from './read.js';
export type { Affine, NiftiDType, NiftiHeader, NiftiOutput, NiftiVolume } from './types.js';
