/** NRRD and MetaImage volumes (written here: see README). */
export { type MetaImageHeader, readMetaImage, readMetaImageHeader } from './metaimage.js';
export { type NrrdHeader, readNrrd, readNrrdHeader } from './nrrd.js';
