/**
 * Reading NIfTI volumes: a single `.nii` / `.nii.gz` file, or a `.hdr` + `.img` pair (either part
 * may be gzipped). gzip goes through the bounded inflate of `../deflate.ts`, so a truncated or
 * corrupt `.nii.gz` is a FileFormatError naming the file.
 */
import { gunzip, isGzip } from '../deflate.js';
import { FileFormatError } from '../errors.js';
import { readNiftiHeader } from './header.js';
import type { NiftiVolume } from './types.js';
import { decodeVoxels, shapeOf } from './voxels.js';

const inflated = (bytes: Uint8Array, source: string) => (isGzip(bytes) ? gunzip(bytes, source) : bytes);

/** Reads a `.nii` file, or a `.nii.gz` one (detected by the gzip magic number); NIfTI-1 or NIfTI-2. */
export function readNifti(bytes: Uint8Array, source = '<nifti>'): NiftiVolume {
  const raw = inflated(bytes, source);
  const header = readNiftiHeader(raw, source);
  if (header.pair) {
    throw new FileFormatError(
      source,
      `NIfTI: magic "ni${header.version}" marks the header of a .hdr/.img pair, whose voxels are in the .img: read both with readNiftiPair`,
    );
  }
  return { header, shape: shapeOf(header), data: decodeVoxels(header, raw, source) };
}

/** The names of the two files of a pair, for messages. */
export interface NiftiPairSources {
  readonly header?: string;
  readonly image?: string;
}

/**
 * Reads a `.hdr` + `.img` pair: the header file's bytes (magic "ni1" or "ni2") and the image file's
 * (the voxels, from vox_offset, usually 0). Either may be gzipped (`.hdr.gz`, `.img.gz`).
 */
export function readNiftiPair(
  headerBytes: Uint8Array,
  imageBytes: Uint8Array,
  sources: NiftiPairSources = {},
): NiftiVolume {
  const headerSource = sources.header ?? '<nifti .hdr>';
  const imageSource = sources.image ?? pairImageName(headerSource);
  const header = readNiftiHeader(inflated(headerBytes, headerSource), headerSource);
  if (!header.pair) {
    throw new FileFormatError(
      headerSource,
      `NIfTI: magic "n+${header.version}" marks a single-file .nii, not the header of a .hdr/.img pair: read it with readNifti`,
    );
  }
  const image = inflated(imageBytes, imageSource);
  return { header, shape: shapeOf(header), data: decodeVoxels(header, image, imageSource) };
}

/** The image file beside a header file: `x.hdr` -> `x.img`, `x.hdr.gz` -> `x.img.gz`. */
export function pairImageName(headerName: string): string {
  const match = /\.hdr(\.gz)?$/i.exec(headerName);
  if (!match) return `${headerName}.img`;
  const img = match[0].startsWith('.HDR') ? '.IMG' : '.img';
  return headerName.slice(0, match.index) + img + (match[1] ?? '');
}
