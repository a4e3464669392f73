/** Why a set of DICOM files is not one readable volume (`DicomSeriesError.reason`). */
import { FileFormatError } from '../errors.js';

export type DicomSeriesReason =
  /** Several SeriesInstanceUIDs (0020,000E) and no `seriesInstanceUID` chosen. */
  | 'mixed-series'
  /** The gaps between slice positions are whole multiples of the smallest: slices are missing. */
  | 'missing-slices'
  /** The gaps differ, not by whole multiples. */
  | 'non-uniform-spacing'
  /** Slice positions do not advance along the slice normal (GantryDetectorTilt, sheared stacks). */
  | 'gantry-tilt'
  /** Two slices at the same position. */
  | 'duplicate-slices'
  /** Slices differ in ImageOrientationPatient, PixelSpacing, Rows or Columns. */
  | 'inconsistent-slices'
  /** A transfer syntax (0002,0010) whose pixel data dcmjs cannot decode (JPEG, JPEG 2000, RLE...). */
  | 'compressed-transfer-syntax'
  /** A tag the volume needs is absent or has an unsupported value. */
  | 'unsupported';

/** A FileFormatError with a machine-readable reason; the message names the files and the values. */
export class DicomSeriesError extends FileFormatError {
  constructor(
    source: string,
    readonly reason: DicomSeriesReason,
    problem: string,
  ) {
    super(source, `DICOM: ${problem}`);
  }
}
