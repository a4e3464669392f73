// The SEG written here, read back by pydicom (an independent reader: labels unpacked with its
// pixel_array, frame positions, referenced UIDs) and by dcmtk's dcmdump when present.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { type ClinicalFiles, PYTHON, writeClinicalFiles } from '../testing/clinical-files.js';
import { encodeDicomSeg } from './seg.js';
import { readDicomSeries } from './series.js';

const files: ClinicalFiles = writeClinicalFiles();
afterAll(() => files.remove());

const READ_BACK = `
import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
px = ds.pixel_array.reshape(int(ds.NumberOfFrames), ds.Rows, ds.Columns)
frames = []
for f, g in zip(px, ds.PerFrameFunctionalGroupsSequence):
    frames.append({
        "segment": int(g.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
        "position": [float(v) for v in g.PlanePositionSequence[0].ImagePositionPatient],
        "source": g.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID,
        "ones": [int(i) for i in f.flatten().nonzero()[0]],
    })
print(json.dumps({
    "sopClass": ds.SOPClassUID, "modality": ds.Modality, "type": ds.SegmentationType,
    "study": ds.StudyInstanceUID, "frame": ds.FrameOfReferenceUID,
    "segments": [(int(s.SegmentNumber), s.SegmentLabel) for s in ds.SegmentSequence],
    "series": ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
    "instances": [r.ReferencedSOPInstanceUID for r in ds.ReferencedSeriesSequence[0].ReferencedInstanceSequence],
    "orientation": [float(v) for v in ds.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient],
    "frames": frames,
}))
`;

describe('encodeDicomSeg', () => {
  for (const name of ['axial', 'oblique']) {
    it(`${name}: pydicom reads back the labels, frame positions and references`, () => {
      const source = readDicomSeries(files.folder(name));
      const [nx, ny, nz] = source.shape as number[];
      // Label of voxel (i, j, k): (i + 2j + k) % 3, written in the test, never read from our output.
      const label = (p: number) => {
        const [i, j, k] = [p % nx!, Math.floor(p / nx!) % ny!, Math.floor(p / (nx! * ny!))];
        return (i + 2 * j + k) % 3;
      };
      const labels = Uint8Array.from({ length: source.data.length }, (_, p) => label(p));
      const path = join(files.dir, `${name}.seg.dcm`);
      writeFileSync(path, encodeDicomSeg(labels, source, { labels: ['liver', 'tumour'] }));
      const back = JSON.parse(execFileSync(PYTHON, ['-c', READ_BACK, path], { encoding: 'utf8' }));
      expect(back).toMatchObject({
        sopClass: '1.2.840.10008.5.1.4.1.1.66.4',
        modality: 'SEG',
        type: 'BINARY',
      });
      expect(back.study).toBe(files.expected[name]!.study);
      expect(back.series).toBe(files.expected[name]!.series);
      expect(back.segments).toEqual([
        [1, 'liver'],
        [2, 'tumour'],
      ]);
      expect(back.instances).toEqual(source.dicom.sopInstanceUIDs);
      expect(back.frames).toHaveLength(2 * nz!);
      for (const [f, frame] of back.frames.entries()) {
        const [s, k] = [Math.floor(f / nz!) + 1, f % nz!];
        expect(frame.segment).toBe(s);
        expect(frame.source).toBe(source.dicom.sopInstanceUIDs[k]);
        // The frame's position: the source affine (RAS) at voxel (0, 0, k), back to LPS.
        const ras = [0, 1, 2].map(
          (r) => files.expected[name]!.affine[r]![2]! * k + files.expected[name]!.affine[r]![3]!,
        );
        frame.position.forEach((v: number, r: number) => {
          expect(v).toBeCloseTo(r < 2 ? -ras[r]! : ras[r]!, 4);
        });
        const want = Array.from({ length: nx! * ny! }, (_, p) => p).filter(
          (p) => label(k * nx! * ny! + p) === s,
        );
        expect(frame.ones).toEqual(want);
      }
    });
  }

  // dcmtk is in scripts/setup.sh's list; skipped only where it is absent.
  it.skipIf(!existsSync('/usr/bin/dcmdump'))(
    'dcmtk dcmdump reads the file (no dciodvfy: dicom3tools is not in Debian)',
    () => {
      const source = readDicomSeries(files.folder('sagittal'));
      const path = join(files.dir, 'sagittal.seg.dcm');
      writeFileSync(
        path,
        encodeDicomSeg(
          Uint8Array.from(source.data, (_, p) => p % 2),
          source,
        ),
      );
      const dump = execFileSync('/usr/bin/dcmdump', ['-E', path], { encoding: 'utf8' });
      expect(dump).toMatch(/\(0008,0016\) UI =SegmentationStorage/);
      expect(dump).toMatch(/\(0020,9165\) AT \(0062,000b\)/);
    },
  );

  it('classes: one segment per class, also for a class no voxel has (an empty frame each)', () => {
    const source = readDicomSeries(files.folder('axial'));
    const nz = source.shape[2]!;
    const path = join(files.dir, 'empty.seg.dcm');
    writeFileSync(path, encodeDicomSeg(new Uint8Array(source.data.length), source, { classes: 2 }));
    const back = JSON.parse(execFileSync(PYTHON, ['-c', READ_BACK, path], { encoding: 'utf8' }));
    expect(back.segments).toEqual([
      [1, 'Label 1'],
      [2, 'Label 2'],
    ]);
    expect(back.frames).toHaveLength(2 * nz);
    for (const frame of back.frames) expect(frame.ones).toEqual([]);
    const three = Uint8Array.from(source.data, (_, p) => (p === 0 ? 3 : 0));
    expect(() => encodeDicomSeg(three, source, { classes: 2 })).toThrow(
      /classes must be an integer >= the largest label \(3\), got 2/,
    );
  });

  it('refuses a volume of another size, or without labels', () => {
    const source = readDicomSeries(files.folder('axial'));
    expect(() => encodeDicomSeg(new Uint8Array(3), source)).toThrow(ConfigError);
    expect(() => encodeDicomSeg(new Uint8Array(source.data.length), source)).toThrow(/no label above 0/);
    expect(() => encodeDicomSeg(new Float32Array(source.data.length).fill(0.5), source)).toThrow(
      /label 0\.5 at 0 is not an integer/,
    );
  });
});
