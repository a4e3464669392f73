/** The published packages, by name, that the smoke test imports. */
export const PUBLISHED = [
  '@befunet/common',
  '@befunet/pdc',
  '@befunet/swin',
  '@befunet/lcaf',
  '@befunet/dlf',
  '@befunet/losses',
  '@befunet/core',
];
