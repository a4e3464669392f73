/**
 * Node.js entry of @befunet/core: `import { useBackend, initNodeWebGpu } from '@befunet/core/node'`.
 */
export { nodeFileSystem } from '@befunet/common/node';
export { readDicomFolder } from '@befunet/io/dicom-folder';
export { type Hdf5Dataset, type Hdf5ReadOptions, isHdf5, readHdf5 } from '@befunet/io/hdf5';
export type { NodeWebGpu, NodeWebGpuOptions, WebGpuPath } from '@befunet/kernels/node';
export { initNodeWebGpu } from '@befunet/kernels/node';
export { FolderDataset, type FolderDatasetOptions, IMAGE_EXTENSIONS } from '../data/folder-dataset.js';
export { decodeFile, listFiles, readDataFile } from '../data/folder-files.js';
export {
  NIFTI_EXTENSIONS,
  NiftiDataset,
  type NiftiDatasetOptions,
  SYNAPSE_CT_WINDOW,
} from '../data/nifti-dataset.js';
export { readNiftiFile } from '../data/nifti-files.js';
export { SYNAPSE_CLASSES } from '../data/synapse/synapse-arrays.js';
export { SynapseSliceDataset, type SynapseSliceOptions } from '../data/synapse/synapse-slice-dataset.js';
export { readSynapseVolume, type SynapseVolume } from '../data/synapse/synapse-volume.js';
export { readVolumeFile, VOLUME_EXTENSIONS } from '../data/volume-files.js';
export { fileCheckpointStore, loadCheckpointFolder } from '../train/file-checkpoint-store.js';
export type { ActiveBackend, BackendName } from './backend.js';
export { useBackend } from './backend.js';
export { type LoadedBefunet, loadBefunet } from './load-model.js';
