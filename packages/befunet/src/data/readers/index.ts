/** File readers and writers for datasets and inference, pure TypeScript over Uint8Array. */

export {
  adler32,
  decodePng,
  deflateRaw as deflateFixed,
  encodePng,
  gunzip,
  gzip,
  isGzip,
  isPng,
  PNG_MAX_PIXELS,
  type PngImage,
  type PngInput,
  zlibCompress,
  zlibDecompress,
} from '@befunet/io';
export { type Hdf5Dataset, type Hdf5ReadOptions, isHdf5, readHdf5 } from './hdf5.js';
export { type DecodedImage, decodeImage, isJpeg } from './image.js';
export { decodeJpeg, JPEG_MAX_PIXELS, type JpegImage } from './jpeg.js';
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
