/**
 * A Synapse test volume (`test_vol_h5/case0001.npy.h5`, TransUNet's layout): HDF5 datasets
 * `image` and `label`, both [depth, 512, 512], the image windowed to 0..1, for evaluation and
 * inference slice by slice (Node.js).
 */
import { basename } from 'node:path';
import { readHdf5 } from '@befunet/io/hdf5';
import { readDataFile } from '../folder-files.js';
import { SYNAPSE_CLASSES, synapseArrays } from './synapse-arrays.js';

export interface SynapseVolume {
  /** The file name without `.npy.h5` (e.g. `case0001`). */
  readonly id: string;
  readonly depth: number;
  readonly height: number;
  readonly width: number;
  /** [depth, height, width], row-major. */
  readonly image: Float32Array;
  /** Class ids, [depth, height, width]. */
  readonly label: Int32Array;
}

/** Reads the test volume at `path`; labels must be class ids below `numClasses` (default 9). */
export async function readSynapseVolume(path: string, numClasses = SYNAPSE_CLASSES): Promise<SynapseVolume> {
  const bytes = await readDataFile(path);
  const arrays = synapseArrays(
    await readHdf5(bytes, path, { datasets: ['image', 'label'] }),
    path,
    3,
    numClasses,
  );
  const [depth, height, width] = arrays.shape as [number, number, number];
  const id = basename(path).replace(/(\.npy)?\.h5$/, '');
  return { id, depth, height, width, image: arrays.image, label: arrays.label };
}
