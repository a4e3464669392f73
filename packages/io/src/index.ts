/**
 * @befunet/io: the file formats of the BEFUnet packages on the field's maintained libraries,
 * returning typed arrays (with shape, dtype and geometry), never tensors.
 */
export { adler32, crc32 } from './checksums.js';
export {
  deflateRaw,
  gunzip,
  gunzipPrefix,
  gzip,
  inflateRaw,
  isGzip,
  MAX_DEFLATE_RATIO,
  maxInflatedSize,
  zlibCompress,
  zlibDecompress,
} from './deflate.js';
export {
  type DicomFile,
  type DicomSegOptions,
  DicomSeriesError,
  type DicomSeriesInfo,
  type DicomSeriesOptions,
  type DicomSeriesReason,
  type DicomVolume,
  encodeDicomSeg,
  listDicomSeries,
  newUid,
  readDicomSeries,
} from './dicom/index.js';
export { BefunetError, ConfigError, FileFormatError, InvalidValueError } from './errors.js';
export { type DecodedImage, decodeImage } from './image.js';
export { decodeJpeg, isJpeg, JPEG_MAX_PIXELS, type JpegImage } from './jpeg.js';
export {
  type Affine,
  bestAffine,
  encodeNifti,
  type NiftiDType,
  type NiftiHeader,
  type NiftiOutput,
  type NiftiPairSources,
  type NiftiVolume,
  pairImageName,
  quaternToAffine,
  readNifti,
  readNiftiHeader,
  readNiftiPair,
  sformAffine,
} from './nifti/index.js';
export { decodePng, encodePng, isPng, PNG_MAX_PIXELS, type PngImage, type PngInput } from './png.js';
export {
  type MetaImageHeader,
  type NrrdHeader,
  readMetaImage,
  readMetaImageHeader,
  readNrrd,
  readNrrdHeader,
} from './raster/index.js';
