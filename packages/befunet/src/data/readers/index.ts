/** File readers and writers for datasets and inference, over Uint8Array (browsers and Node.js). */

export {
  type Affine,
  adler32,
  type DecodedImage,
  decodeImage,
  decodeJpeg,
  decodePng,
  deflateRaw as deflateFixed,
  encodeNifti,
  encodePng,
  gunzip,
  gzip,
  isGzip,
  isJpeg,
  isPng,
  JPEG_MAX_PIXELS,
  type JpegImage,
  type NiftiDType,
  type NiftiHeader,
  type NiftiOutput,
  type NiftiPairSources,
  type NiftiVolume,
  PNG_MAX_PIXELS,
  type PngImage,
  type PngInput,
  pairImageName,
  quaternToAffine,
  readNifti,
  readNiftiHeader,
  readNiftiPair,
  zlibCompress,
  zlibDecompress,
} from '@befunet/io';
export { type NiftiSlice, sliceAxial, windowIntensity } from '../volume-slices.js';
export { encodeNpy, isNpy, type NpyArray, type NpyData, type NpyDType, readNpy } from './npy.js';
export { readNpz } from './npz.js';
