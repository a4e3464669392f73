/** The published packages, by name, that the smoke test imports. */
export const PUBLISHED = [
  '@befunet/io',
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
