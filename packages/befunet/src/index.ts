/**
 * @befunet/core: the BEFUnet network and everything around it.
 *
 * The component packages are re-exported as namespaces (their names would otherwise collide), so
 * that one install gives the whole library: `import { pdc, swin } from '@befunet/core'`.
 */
export * as common from '@befunet/common';
export * as dlf from '@befunet/dlf';
export * as lcaf from '@befunet/lcaf';
export * as losses from '@befunet/losses';
export * as pdc from '@befunet/pdc';
export * as swin from '@befunet/swin';
