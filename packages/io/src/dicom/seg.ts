/**
 * DICOM Segmentation (PS3.3 A.51, C.8.20) out: a binary SEG of a label volume on the grid of its
 * source series, one segment per label 1..n, one frame per segment and slice; written by dcmjs.
 */
import dcmjs, { type NaturalDataset } from 'dcmjs';
import { ConfigError } from '../errors.js';
import type { DicomVolume } from './series.js';

const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';

export interface DicomSegOptions {
  /** SegmentLabel of label c at index c - 1. Default 'Label c'. */
  readonly labels?: readonly string[];
  /** SeriesDescription. Default 'BEFUnet segmentation'. */
  readonly seriesDescription?: string;
  /**
   * Foreground classes (a model's classes less the background): one segment each, including a
   * class no voxel has. Default: the largest label.
   */
  readonly classes?: number;
}

/** A UID under the 2.25 root (PS3.5 B.2: a UUID as one decimal integer). */
export function newUid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `2.25.${BigInt(`0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`)}`;
}

const code = (value: string, scheme: string, meaning: string) => ({
  CodeValue: value,
  CodingSchemeDesignator: scheme,
  CodeMeaning: meaning,
});

/** Writes `labels` (x fastest, on `source`'s grid; 0 background, 1..n the classes) as a SEG file. */
export function encodeDicomSeg(
  labels: ArrayLike<number>,
  source: DicomVolume,
  options: DicomSegOptions = {},
): Uint8Array {
  const [nx, ny, nz] = source.shape as [number, number, number];
  if (labels.length !== nx * ny * nz)
    throw new ConfigError(
      `encodeDicomSeg: ${labels.length} labels, the source volume has ${nx} x ${ny} x ${nz}`,
    );
  let largest = 0;
  for (let p = 0; p < labels.length; p++) {
    const v = labels[p]!;
    if (!Number.isInteger(v) || v < 0 || v > 65535)
      throw new ConfigError(`encodeDicomSeg: label ${v} at ${p} is not an integer in 0..65535`);
    largest = Math.max(largest, v);
  }
  const classes = options.classes ?? largest;
  if (!Number.isInteger(classes) || classes < 0 || largest > classes)
    throw new ConfigError(
      `encodeDicomSeg: classes must be an integer >= the largest label (${largest}), got ${options.classes}`,
    );
  if (classes === 0)
    throw new ConfigError(
      'encodeDicomSeg: the label volume has no label above 0: a SEG needs one segment at least',
    );
  const dataset = segDataset(source, classes, options);
  dataset.PixelData = [packFrames(labels, classes, nx * ny, nz)];
  dataset._vrMap = { PixelData: 'OB' };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEG_SOP_CLASS,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_LITTLE,
    ImplementationClassUID: '2.25.229785472436298713473427113813893011223',
    ImplementationVersionName: 'BEFUNET_IO',
    _vrMap: { FileMetaInformationVersion: 'OB' },
  };
  const file = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(file.write());
}

/** Frame f = (segment s, slice k), f = (s - 1) * nz + k: one bit per pixel, frames packed back to back (PS3.5 8.1.1). */
function packFrames(labels: ArrayLike<number>, classes: number, pixels: number, nz: number): ArrayBuffer {
  const bits = classes * nz * pixels;
  const out = new Uint8Array(Math.ceil(bits / 16) * 2); // even length
  for (let s = 1; s <= classes; s++) {
    for (let p = 0; p < nz * pixels; p++) {
      if (labels[p] !== s) continue;
      const bit = (s - 1) * nz * pixels + p; // slice k's pixels start at k * pixels in both
      out[bit >> 3]! |= 1 << (bit & 7); // first pixel in the least significant bit
    }
  }
  return out.buffer;
}

function segDataset(source: DicomVolume, classes: number, options: DicomSegOptions): NaturalDataset {
  const { dicom } = source;
  const [nx, ny, nz] = source.shape as [number, number, number];
  const copied = [
    'PatientName',
    'PatientID',
    'PatientBirthDate',
    'PatientSex',
    'StudyDate',
    'StudyTime',
    'StudyID',
    'ReferringPhysicianName',
    'AccessionNumber',
  ];
  const now = new Date().toISOString();
  const sliceStep =
    nz > 1 ? Math.hypot(...[0, 1, 2].map((r) => dicom.positions[1]![r]! - dicom.positions[0]![r]!)) : 1;
  return {
    ...Object.fromEntries(
      copied.filter((k) => dicom.dataset[k] !== undefined).map((k) => [k, dicom.dataset[k]]),
    ),
    SOPClassUID: SEG_SOP_CLASS,
    SOPInstanceUID: newUid(),
    StudyInstanceUID: dicom.studyInstanceUID,
    SeriesInstanceUID: newUid(),
    FrameOfReferenceUID: dicom.frameOfReferenceUID,
    Modality: 'SEG',
    SeriesNumber: 300,
    InstanceNumber: 1,
    SeriesDescription: options.seriesDescription ?? 'BEFUnet segmentation',
    ContentLabel: 'BEFUNET',
    ContentDescription: 'BEFUnet segmentation',
    ContentCreatorName: 'BEFUnet',
    ContentDate: now.slice(0, 10).replaceAll('-', ''),
    ContentTime: now.slice(11, 19).replaceAll(':', ''),
    Manufacturer: 'BEFUnet',
    ManufacturerModelName: '@befunet/io',
    DeviceSerialNumber: '1',
    SoftwareVersions: '1',
    ImageType: ['DERIVED', 'PRIMARY'],
    SegmentationType: 'BINARY',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: classes * nz,
    PositionReferenceIndicator: '',
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: dicom.seriesInstanceUID,
        ReferencedInstanceSequence: dicom.sopInstanceUIDs.map((uid) => ({
          ReferencedSOPClassUID: dicom.sopClassUID,
          ReferencedSOPInstanceUID: uid,
        })),
      },
    ],
    SegmentSequence: segments(classes, options.labels),
    ...dimensions(),
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: [...dicom.pixelSpacing],
            SliceThickness: sliceStep,
            SpacingBetweenSlices: sliceStep,
          },
        ],
        PlaneOrientationSequence: [{ ImageOrientationPatient: [...dicom.orientation] }],
      },
    ],
    PerFrameFunctionalGroupsSequence: perFrame(source, classes),
  };
}

function segments(classes: number, labels: readonly string[] = []): NaturalDataset[] {
  return Array.from({ length: classes }, (_, c) => ({
    SegmentNumber: c + 1,
    SegmentLabel: labels[c] ?? `Label ${c + 1}`,
    SegmentAlgorithmType: 'AUTOMATIC',
    SegmentAlgorithmName: 'BEFUnet',
    // SNOMED CT "Anatomical structure" / "Tissue" (PS3.16 CID 7150, 7151): generic until classes are named.
    SegmentedPropertyCategoryCodeSequence: [code('91723000', 'SCT', 'Anatomical structure')],
    SegmentedPropertyTypeCodeSequence: [code('85756007', 'SCT', 'Tissue')],
  }));
}

/** Frames indexed by (ReferencedSegmentNumber, ImagePositionPatient) (PS3.3 C.7.6.17). */
function dimensions(): NaturalDataset {
  const organization = newUid();
  return {
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: organization }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: organization,
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: organization,
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
  };
}

function perFrame(source: DicomVolume, classes: number): NaturalDataset[] {
  const { dicom } = source;
  const frames: NaturalDataset[] = [];
  for (let s = 1; s <= classes; s++) {
    dicom.positions.forEach((position, k) => {
      frames.push({
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: dicom.sopClassUID,
                ReferencedSOPInstanceUID: dicom.sopInstanceUIDs[k],
                PurposeOfReferenceCodeSequence: [
                  code('121322', 'DCM', 'Source image for image processing operation'),
                ],
              },
            ],
            DerivationCodeSequence: [code('113076', 'DCM', 'Segmentation')],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: [s, k + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: [...position] }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: s }],
      });
    });
  }
  return frames;
}
