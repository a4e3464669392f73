/**
 * The compression primitives the readers need from @befunet/common. Its public index does not
 * export them yet, so they come from temporary local copies in `./fallback/`; once @befunet/common
 * exports `inflateRaw`, `crc32` and `ZipArchive`, this file becomes
 * `export { crc32, inflateRaw, ZipArchive } from '@befunet/common';` and `./fallback/` goes.
 */
export { inflateRaw } from './fallback/inflate.js';
export { crc32, ZipArchive, type ZipEntry } from './fallback/zip.js';
