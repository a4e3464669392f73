/** File readers and writers for datasets and inference, pure TypeScript over Uint8Array. */

export {
  adler32,
  type DecodedImage,
  decodeImage,
  decodeJpeg,
  decodePng,
  deflateRaw as deflateFixed,
  encodePng,
  gunzip,
  gzip,
  isGzip,
  isJpeg,
  isPng,
  JPEG_MAX_PIXELS,
  type JpegImage,
  PNG_MAX_PIXELS,
  type PngImage,
  type PngInput,
  zlibCompress,
  zlibDecompress,
} from '@befunet/io';
export {
  type Affine,
  encodeNifti,
  type NiftiDType,
  type NiftiHeader,
  type NiftiOutput,
  type NiftiSlice,
  type NiftiVolume,
  quaternToAffine,
  readNifti,
  readNiftiHeader,
  sliceAxial,
  windowIntensity,
} from './nifti.js';
export { encodeNpy, isNpy, type NpyArray, type NpyData, type NpyDType, readNpy } from './npy.js';
export { readNpz } from './npz.js';
