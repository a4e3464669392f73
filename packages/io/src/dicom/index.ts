/** DICOM: series in (on dcmjs), Segmentation out. */
export { DicomSeriesError, type DicomSeriesReason } from './errors.js';
export { type DicomSegOptions, encodeDicomSeg, newUid } from './seg.js';
export {
  type DicomFile,
  type DicomSeriesInfo,
  type DicomSeriesOptions,
  type DicomVolume,
  listDicomSeries,
  readDicomSeries,
} from './series.js';
