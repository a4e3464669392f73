// A pydicom series folder (scripts/clinical-fixtures.py) read from the file system.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DicomSeriesError } from './dicom/errors.js';
import { readDicomFolder } from './dicom-folder.js';
import { ConfigError } from './errors.js';
import { type ClinicalFiles, writeClinicalFiles } from './testing/clinical-files.js';

const files: ClinicalFiles = writeClinicalFiles();
afterAll(() => files.remove());

describe('readDicomFolder', () => {
  it('reads the files of a folder, skipping hidden files and DICOMDIR', async () => {
    const folder = join(files.dir, 'sagittal');
    writeFileSync(join(folder, '.DS_Store'), 'not dicom');
    writeFileSync(join(folder, 'DICOMDIR'), 'an index');
    mkdirSync(join(folder, 'sub'));
    const volume = await readDicomFolder(folder);
    expect(volume.shape).toEqual(files.expected.sagittal!.size);
    expect(volume.dicom.seriesInstanceUID).toBe(files.expected.sagittal!.series);
  });
  it('names the folder in errors', async () => {
    await expect(readDicomFolder(join(files.dir, 'mixed'))).rejects.toThrow(DicomSeriesError);
    await expect(readDicomFolder(join(files.dir, 'mixed'))).rejects.toThrow(
      /mixed: DICOM: the files hold 2 series/,
    );
    await expect(readDicomFolder(join(files.dir, 'nope'))).rejects.toThrow(ConfigError);
    mkdirSync(join(files.dir, 'empty'));
    await expect(readDicomFolder(join(files.dir, 'empty'))).rejects.toThrow(
      /the DICOM folder holds no files/,
    );
  });
});
