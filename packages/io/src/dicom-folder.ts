/**
 * A DICOM series folder in Node.js (`@befunet/io/dicom-folder`, Node only: it reads the file
 * system). Every regular file of the folder except hidden ones and DICOMDIR (PS3.10 7.2, an index,
 * not an image) is read; subfolders are not walked.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DicomSeriesOptions, type DicomVolume, readDicomSeries } from './dicom/series.js';
import { ConfigError } from './errors.js';

/** Reads the series in `folder` (choose one with `seriesInstanceUID` when it holds several). */
export async function readDicomFolder(
  folder: string,
  options: Omit<DicomSeriesOptions, 'source'> = {},
): Promise<DicomVolume> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`${folder}: cannot list the DICOM folder (${e.code ?? e.message})`);
  });
  const names = entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && e.name.toUpperCase() !== 'DICOMDIR')
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new ConfigError(`${folder}: the DICOM folder holds no files`);
  const files = await Promise.all(
    names.map(async (name) => ({
      name: join(folder, name),
      bytes: new Uint8Array(await readFile(join(folder, name))),
    })),
  );
  return readDicomSeries(files, { ...options, source: folder });
}
