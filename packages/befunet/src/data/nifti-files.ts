/**
 * NIfTI volumes from files (Node.js): `.nii`, `.nii.gz`, and `.hdr` (or `.hdr.gz`) headers whose
 * voxels are in the `.img` (or `.img.gz`) beside them. The formats are read by `@befunet/io`.
 */
import { access } from 'node:fs/promises';
import {
  FileFormatError,
  gunzip,
  gunzipPrefix,
  isGzip,
  type NiftiHeader,
  type NiftiVolume,
  pairImageName,
  readNifti,
  readNiftiHeader,
  readNiftiPair,
} from '@befunet/io';
import { decodeFile, readDataFile } from './folder-files.js';

/** File name endings read as volumes (a `.hdr` brings its `.img`). */
export const NIFTI_EXTENSIONS = ['.nii.gz', '.nii', '.hdr.gz', '.hdr'] as const;

/** How much of a `.nii.gz` is inflated to read its header: the header and some extensions. */
const HEADER_PREFIX_BYTES = 1 << 20;
/** How much of a volume's file is read for its header. */
const HEADER_READ_BYTES = 1 << 16;

const isPairHeader = (path: string) => /\.hdr(\.gz)?$/i.test(path);

/** The uncompressed bytes of a file (or of the start of one, for its header). */
function uncompressed(bytes: Uint8Array, path: string, prefixOnly = false): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  return prefixOnly ? gunzipPrefix(bytes, HEADER_PREFIX_BYTES, path) : gunzip(bytes, path);
}

/** The whole volume of a `.nii`, `.nii.gz` or `.hdr` (+ `.img`) file. */
export async function readNiftiFile(path: string): Promise<NiftiVolume> {
  const bytes = await readDataFile(path);
  if (!isPairHeader(path)) return decodeFile(path, () => readNifti(bytes, path));
  const image = await pairImagePath(path);
  const imageBytes = await readDataFile(image);
  return decodeFile(path, () => readNiftiPair(bytes, imageBytes, { header: path, image }));
}

/** The header of a volume, from the start of its file only (for a `.hdr`, once its `.img` is found). */
export async function readNiftiFileHeader(path: string): Promise<NiftiHeader> {
  if (isPairHeader(path)) await pairImagePath(path);
  const bytes = await readDataFile(path, HEADER_READ_BYTES);
  // A file shorter than the read is whole: inflate it all, so a truncated one says so.
  const prefixOnly = bytes.length === HEADER_READ_BYTES;
  return decodeFile(path, () => readNiftiHeader(uncompressed(bytes, path, prefixOnly), path));
}

/** The `.img` (or `.img.gz`) beside the `.hdr` (or `.hdr.gz`) at `path`. */
export async function pairImagePath(path: string): Promise<string> {
  const named = pairImageName(path);
  const other = named.endsWith('.gz') ? named.slice(0, -3) : `${named}.gz`;
  for (const candidate of [named, other]) {
    if (await exists(candidate)) return candidate;
  }
  throw new FileFormatError(
    path,
    `NIfTI: a .hdr/.img pair header, but neither ${named} nor ${other} (its voxels) is beside it`,
  );
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
