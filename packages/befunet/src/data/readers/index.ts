/** File readers and writers for datasets and inference, pure TypeScript over Uint8Array. */

export {
  type Affine,
  adler32,
  decodePng,
  deflateRaw as deflateFixed,
  encodeNifti,
  encodePng,
  gunzip,
  gzip,
  isGzip,
  isPng,
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
export { type Hdf5Dataset, type Hdf5ReadOptions, isHdf5, readHdf5 } from './hdf5.js';
export { type DecodedImage, decodeImage, isJpeg } from './image.js';
export { decodeJpeg, JPEG_MAX_PIXELS, type JpegImage } from './jpeg.js';
export { encodeNpy, isNpy, type NpyArray, type NpyData, type NpyDType, readNpy } from './npy.js';
export { readNpz } from './npz.js';
