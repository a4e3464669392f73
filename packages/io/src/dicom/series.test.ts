// DICOM series written by pydicom (scripts/clinical-fixtures.py) with known geometry; the expected
// affines are computed by the script from the geometry it wrote, the voxels from its formula.
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNifti } from '../nifti/encode.js';
import { readNifti } from '../nifti/read.js';
import { type ClinicalFiles, storedValue, writeClinicalFiles } from '../testing/clinical-files.js';
import { DicomSeriesError, type DicomSeriesReason } from './errors.js';
import { listDicomSeries, readDicomSeries } from './series.js';

const files: ClinicalFiles = writeClinicalFiles();
afterAll(() => files.remove());

function expectReason(read: () => unknown, reason: DicomSeriesReason, message: RegExp): void {
  let error: unknown;
  try {
    read();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DicomSeriesError);
  expect((error as DicomSeriesError).reason).toBe(reason);
  expect((error as Error).message).toMatch(message);
}

describe('readDicomSeries on pydicom series', () => {
  for (const name of ['axial', 'sagittal', 'oblique', 'implicit']) {
    it(`${name}: shape, RAS affine and every voxel rescaled`, () => {
      const want = files.expected[name]!;
      const volume = readDicomSeries(files.folder(name), { source: name });
      expect(volume.shape).toEqual(want.size);
      for (const [r, row] of volume.header.affine.entries()) {
        for (const [c, v] of row.entries())
          expect(v, `affine[${r}][${c}]`).toBeCloseTo(want.affine[r]![c]!, 6);
      }
      const [nx, ny, nz] = want.size;
      let checked = 0;
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const hu = storedValue(i, j, k) * want.slope! + want.intercept!;
            expect(volume.data[i + nx * (j + ny * k)]).toBe(hu);
            checked++;
          }
      expect(checked).toBe(nx * ny * nz);
      expect(volume.dicom.seriesInstanceUID).toBe(want.series);
      expect(volume.dicom.studyInstanceUID).toBe(want.study);
      expect(volume.dicom.sopInstanceUIDs).toHaveLength(nz);
      expect(volume.header.sformCode).toBe(1);
      expect(volume.header.dtype).toBe('int16');
    });
  }

  it('labels written as NIfTI with its header keep the geometry pydicom wrote', () => {
    const want = files.expected.oblique!;
    const volume = readDicomSeries(files.folder('oblique'));
    const labels = Uint8Array.from(volume.data, (v) => (v > 0 ? 1 : 0));
    const nifti = readNifti(encodeNifti({ shape: volume.shape, data: labels }, volume.header), 'labels.nii');
    expect(nifti.shape).toEqual(want.size);
    for (const [r, row] of nifti.header.affine.entries()) {
      for (const [c, v] of row.entries()) expect(v, `affine[${r}][${c}]`).toBeCloseTo(want.affine[r]![c]!, 5);
    }
    expect(Array.from(nifti.data)).toEqual(Array.from(labels));
  });

  it('lists the series of a mixed folder and reads the one chosen', () => {
    const series = listDicomSeries(files.folder('mixed'));
    expect([...series.values()]).toEqual([3, 3]);
    const chosen = [...series.keys()][1]!;
    const volume = readDicomSeries(files.folder('mixed'), { seriesInstanceUID: chosen });
    expect(volume.dicom.seriesInstanceUID).toBe(chosen);
    expect(volume.shape).toEqual([4, 4, 3]);
  });
});

describe('readDicomSeries refuses', () => {
  it('several series without a chosen one', () => {
    expectReason(
      () => readDicomSeries(files.folder('mixed'), { source: 'mixed' }),
      'mixed-series',
      /^mixed: DICOM: the files hold 2 series: .* \(3 files\)/,
    );
  });
  it('a series with a slice missing', () => {
    expectReason(
      () => readDicomSeries(files.folder('missing')),
      'missing-slices',
      /1 slice\(s\) missing: gaps are multiples of 2\.5 mm/,
    );
  });
  it('uneven slice gaps', () => {
    expectReason(
      () => readDicomSeries(files.folder('uneven')),
      'non-uniform-spacing',
      /slice gaps differ \(2\.5,2\.5,3,2\.5 mm\)/,
    );
  });
  it('a tilted gantry', () => {
    expectReason(
      () => readDicomSeries(files.folder('tilt')),
      'gantry-tilt',
      /sheared 9\.98 degrees .*GantryDetectorTilt 10/,
    );
  });
  it('a JPEG-compressed series, naming the transfer syntax', () => {
    expectReason(
      () => readDicomSeries(files.folder('jpeg')),
      'compressed-transfer-syntax',
      /^jpeg\/IM000\d: DICOM: transfer syntax 1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline\) is compressed/,
    );
  });
  it('a file that is not DICOM', () => {
    expect(() => readDicomSeries([{ name: 'x.txt', bytes: new TextEncoder().encode('hello') }])).toThrow(
      /^x\.txt: DICOM: dcmjs cannot read it/,
    );
  });
});
