/**
 * Reading a DICOM series (a folder of single-frame slices) into the volume type the NIfTI reader
 * returns: voxels x fastest (column, row, slice), rescaled to Float32 (CT in HU), with an RAS affine.
 */
import type { NaturalDataset } from 'dcmjs';
import { ConfigError } from '../errors.js';
import { headerFromAffine } from '../nifti/from-affine.js';
import type { NiftiDType, NiftiVolume } from '../nifti/types.js';
import { DicomSeriesError } from './errors.js';
import { dicomAffine, orderSlices } from './geometry.js';
import { type DicomSlice, readDicomSlice } from './slice.js';

/** One file of a series: its name (for messages) and its bytes. */
export interface DicomFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface DicomSeriesOptions {
  /** The series to read when the files hold several (SeriesInstanceUID, 0020,000E). */
  readonly seriesInstanceUID?: string;
  /** Names the files in messages. Default '<dicom series>'. */
  readonly source?: string;
}

/** What a DICOM SEG written for this volume needs to reference, slice by slice in volume order. */
export interface DicomSeriesInfo {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly frameOfReferenceUID: string;
  readonly sopClassUID: string;
  /** SOPInstanceUID of slice k. */
  readonly sopInstanceUIDs: readonly string[];
  /** ImagePositionPatient (LPS mm) of slice k. */
  readonly positions: readonly (readonly number[])[];
  readonly orientation: readonly number[];
  /** PixelSpacing: [between rows, between columns]. */
  readonly pixelSpacing: readonly number[];
  /** The first slice's dataset (patient and study modules are copied from it). */
  readonly dataset: NaturalDataset;
}

export interface DicomVolume extends NiftiVolume {
  readonly dicom: DicomSeriesInfo;
}

/** The SeriesInstanceUIDs in `files`, with their file counts. */
export function listDicomSeries(files: readonly DicomFile[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) {
    const uid = readDicomSlice(f.bytes, f.name).seriesInstanceUID;
    counts.set(uid, (counts.get(uid) ?? 0) + 1);
  }
  return counts;
}

/** Reads the slices of one series into a volume; see DicomSeriesError for what is refused. */
export function readDicomSeries(files: readonly DicomFile[], options: DicomSeriesOptions = {}): DicomVolume {
  const source = options.source ?? '<dicom series>';
  if (files.length === 0) throw new ConfigError(`${source}: no DICOM files given`);
  const sorted = orderSlices(
    chooseSeries(
      files.map((f) => readDicomSlice(f.bytes, f.name)),
      options,
      source,
    ),
    source,
  );
  const first = sorted[0]!;
  const shape: [number, number, number] = [first.columns, first.rows, sorted.length];
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (const [k, s] of sorted.entries()) rescaleInto(data, k * s.rows * s.columns, s);
  const uid = (key: string) => String(first.dataset[key] ?? '');
  const header = headerFromAffine(
    shape,
    dicomAffine(sorted),
    storedType(first),
    `DICOM ${first.seriesInstanceUID}`,
  );
  return {
    header,
    shape,
    data,
    dicom: {
      studyInstanceUID: uid('StudyInstanceUID'),
      seriesInstanceUID: first.seriesInstanceUID,
      frameOfReferenceUID: uid('FrameOfReferenceUID'),
      sopClassUID: uid('SOPClassUID'),
      sopInstanceUIDs: sorted.map((s) => s.sopInstanceUID),
      positions: sorted.map((s) => s.position),
      orientation: first.orientation,
      pixelSpacing: first.spacing,
      dataset: first.dataset,
    },
  };
}

function chooseSeries(slices: DicomSlice[], options: DicomSeriesOptions, source: string): DicomSlice[] {
  const uids = [...new Set(slices.map((s) => s.seriesInstanceUID))];
  const wanted = options.seriesInstanceUID;
  if (wanted === undefined) {
    if (uids.length === 1) return slices;
    const counts = uids.map((u) => `${u} (${slices.filter((s) => s.seriesInstanceUID === u).length} files)`);
    throw new DicomSeriesError(
      source,
      'mixed-series',
      `the files hold ${uids.length} series: ${counts.join(', ')}; choose one with seriesInstanceUID`,
    );
  }
  const chosen = slices.filter((s) => s.seriesInstanceUID === wanted);
  if (chosen.length === 0) {
    throw new ConfigError(`${source}: no file of series ${wanted}; the files hold ${uids.join(', ')}`);
  }
  return chosen;
}

/** Modality LUT (PS3.3 C.11.1.1.2): output = stored x RescaleSlope + RescaleIntercept. */
function rescaleInto(out: Float32Array, offset: number, s: DicomSlice): void {
  const n = s.rows * s.columns;
  for (let p = 0; p < n; p++) out[offset + p] = s.pixels[p]! * s.slope + s.intercept;
}

function storedType(s: DicomSlice): NiftiDType {
  const signed = s.dataset.PixelRepresentation === 1;
  if (s.pixels instanceof Uint8Array || s.pixels instanceof Int8Array) return signed ? 'int8' : 'uint8';
  return signed ? 'int16' : 'uint16';
}
