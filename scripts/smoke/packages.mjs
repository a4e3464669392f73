/** The published packages, by name, that the smoke test imports. */
export const PUBLISHED = [
  '@befunet/io',
  '@befunet/kernels',
  '@befunet/common',
  '@befunet/pdc',
  '@befunet/swin',
  '@befunet/lcaf',
  '@befunet/dlf',
  '@befunet/losses',
  '@befunet/core',
];

/** Published packages that must load without TensorFlow.js (they return plain typed arrays). */
export const WITHOUT_TFJS = ['@befunet/io'];

/**
 * Published packages whose import must change nothing in TF.js (no gradient or kernel registered):
 * they change how TF.js runs only when the user calls `install(...)`.
 */
export const CHANGES_NOTHING_ON_IMPORT = ['@befunet/kernels'];
