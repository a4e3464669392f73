/**
 * Volumes from files (Node.js) in every format `@befunet/io` reads into a volume with geometry:
 * NIfTI (`nifti-files.ts`), NRRD (`.nrrd`, or a `.nhdr` header naming its data file) and MetaImage
 * (`.mha`, or a `.mhd` header naming its data file). A detached data file is looked up beside its
 * header, as the formats define (NRRD's `data file`, MetaImage's `ElementDataFile`).
 */
import { basename, dirname, join } from 'node:path';
import { type NiftiVolume, readMetaImage, readMetaImageHeader, readNrrd, readNrrdHeader } from '@befunet/io';
import { stemOf } from './file-pairing.js';
import { decodeFile, readDataFile } from './folder-files.js';
import { NIFTI_EXTENSIONS, readNiftiFile } from './nifti-files.js';

const NRRD_EXTENSIONS = ['.nrrd', '.nhdr'];
const METAIMAGE_EXTENSIONS = ['.mha', '.mhd'];

/** File name endings read as volumes. */
export const VOLUME_EXTENSIONS = [...NIFTI_EXTENSIONS, ...NRRD_EXTENSIONS, ...METAIMAGE_EXTENSIONS] as const;

const isFormat = (path: string, extensions: readonly string[]) => stemOf(basename(path), extensions) !== null;

/** The bytes of the detached data file `name` (relative to the header's folder). */
const dataFileBeside = (header: string, name: string) => readDataFile(join(dirname(header), name));

/** The whole volume of a NIfTI, NRRD or MetaImage file (with its data file, when detached). */
export async function readVolumeFile(path: string): Promise<NiftiVolume> {
  if (!isFormat(path, [...NRRD_EXTENSIONS, ...METAIMAGE_EXTENSIONS])) return readNiftiFile(path);
  const bytes = await readDataFile(path);
  if (isFormat(path, NRRD_EXTENSIONS)) {
    const dataFile = decodeFile(path, () => readNrrdHeader(bytes, path)).dataFile;
    const data = dataFile === undefined ? undefined : await dataFileBeside(path, dataFile);
    return decodeFile(path, () => readNrrd(bytes, path, data));
  }
  const dataFile = decodeFile(path, () => readMetaImageHeader(bytes, path)).dataFile;
  const data = dataFile === 'LOCAL' ? undefined : await dataFileBeside(path, dataFile);
  return decodeFile(path, () => readMetaImage(bytes, path, data));
}
