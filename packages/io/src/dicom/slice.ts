/**
 * One DICOM image file read by dcmjs: the tags a volume needs (PS3.3 C.7.6.2 Image Plane,
 * C.7.6.3 Image Pixel, C.11.1 Modality LUT) and its stored pixel values.
 */
import dcmjs, { type NaturalDataset } from 'dcmjs';
import { FileFormatError } from '../errors.js';
import { DicomSeriesError } from './errors.js';

/** Implicit and Explicit VR Little Endian (PS3.5 A.1, A.2): native pixel data, read as stored. */
const NATIVE = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);
/** Explicit VR Big Endian (PS3.5 A.3, retired): not read, as dcmjs's handling of its pixel bytes is untested here. */
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

export interface DicomSlice {
  readonly source: string;
  /** The naturalized dataset (dcmjs keywords), without PixelData. */
  readonly dataset: NaturalDataset;
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
  /** ImagePositionPatient: the centre of the first transmitted pixel, LPS mm. */
  readonly position: readonly number[];
  /** ImageOrientationPatient: the row direction (along a row, i.e. increasing column), then the column direction. */
  readonly orientation: readonly number[];
  /** PixelSpacing: [between rows, between columns] mm. */
  readonly spacing: readonly number[];
  readonly rows: number;
  readonly columns: number;
  /** Stored values, column fastest. */
  readonly pixels: ArrayLike<number>;
  readonly slope: number;
  readonly intercept: number;
}

/** Reads one file; a file that is not DICOM, or whose pixels cannot be read, throws naming it. */
export function readDicomSlice(bytes: Uint8Array, source: string): DicomSlice {
  const file = parse(bytes, source);
  const syntax = String(file.meta['00020010']?.Value?.[0] ?? '1.2.840.10008.1.2');
  if (syntax === BIG_ENDIAN) {
    throw new DicomSeriesError(
      source,
      'unsupported',
      'transfer syntax 1.2.840.10008.1.2.2 (Explicit VR Big Endian, retired) is not read',
    );
  }
  if (!NATIVE.has(syntax)) {
    const name = NAMES[syntax] ? ` (${NAMES[syntax]})` : '';
    throw new DicomSeriesError(
      source,
      'compressed-transfer-syntax',
      `transfer syntax ${syntax}${name} is compressed; only native (uncompressed) pixel data are read: decompress with e.g. dcmtk's dcmdjpeg / dcmdrle or gdcmconv --raw`,
    );
  }
  const { PixelData, ...dataset } = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
  const numbers = (key: string, count: number) => numberTag(dataset, key, count, source);
  const [rows, columns] = [numbers('Rows', 1)[0]!, numbers('Columns', 1)[0]!];
  return {
    source,
    dataset,
    seriesInstanceUID: stringTag(dataset, 'SeriesInstanceUID', source),
    sopInstanceUID: stringTag(dataset, 'SOPInstanceUID', source),
    position: numbers('ImagePositionPatient', 3),
    orientation: numbers('ImageOrientationPatient', 6),
    spacing: numbers('PixelSpacing', 2),
    rows,
    columns,
    pixels: storedPixels(dataset, PixelData, rows * columns, source),
    slope: optionalNumber(dataset, 'RescaleSlope', 1),
    intercept: optionalNumber(dataset, 'RescaleIntercept', 0),
  };
}

function parse(bytes: Uint8Array, source: string) {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return dcmjs.data.DicomMessage.readFile(buffer);
  } catch (e) {
    throw new FileFormatError(source, `DICOM: dcmjs cannot read it: ${(e as Error).message ?? e}`, {
      cause: e,
    });
  }
}

const values = (dataset: NaturalDataset, key: string): unknown[] => {
  const v = dataset[key];
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
};

function numberTag(dataset: NaturalDataset, key: string, count: number, source: string): number[] {
  const v = values(dataset, key).map(Number);
  if (v.length !== count || v.some((x) => !Number.isFinite(x))) {
    throw new DicomSeriesError(
      source,
      'unsupported',
      `${key} must hold ${count} numbers, it holds [${values(dataset, key)}]`,
    );
  }
  return v;
}

function stringTag(dataset: NaturalDataset, key: string, source: string): string {
  const v = values(dataset, key)[0];
  if (typeof v !== 'string' || v === '')
    throw new DicomSeriesError(source, 'unsupported', `${key} is missing`);
  return v;
}

function optionalNumber(dataset: NaturalDataset, key: string, fallback: number): number {
  const v = values(dataset, key);
  return v.length === 0 ? fallback : Number(v[0]);
}

/** PixelData as stored: BitsAllocated 8 or 16 (signed if PixelRepresentation 1), one sample per pixel. */
function storedPixels(
  dataset: NaturalDataset,
  pixelData: unknown,
  count: number,
  source: string,
): ArrayLike<number> {
  const bits = optionalNumber(dataset, 'BitsAllocated', 0);
  const signed = optionalNumber(dataset, 'PixelRepresentation', 0) === 1;
  const samples = optionalNumber(dataset, 'SamplesPerPixel', 1);
  const frames = optionalNumber(dataset, 'NumberOfFrames', 1);
  if (samples !== 1 || frames !== 1 || (bits !== 8 && bits !== 16)) {
    throw new DicomSeriesError(
      source,
      'unsupported',
      `SamplesPerPixel ${samples}, NumberOfFrames ${frames}, BitsAllocated ${bits}: only single-frame greyscale images of 8 or 16 bits are read`,
    );
  }
  const buffer = Array.isArray(pixelData) ? pixelData[0] : undefined;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < (count * bits) / 8) {
    throw new DicomSeriesError(
      source,
      'unsupported',
      `PixelData is missing or shorter than Rows x Columns (${count}) pixels`,
    );
  }
  if (bits === 8) return signed ? new Int8Array(buffer, 0, count) : new Uint8Array(buffer, 0, count);
  const copy = buffer.slice(0, count * 2); // aligned for a 16-bit view
  return signed ? new Int16Array(copy) : new Uint16Array(copy);
}
