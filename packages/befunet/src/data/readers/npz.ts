/**
 * NumPy `.npz` archives (`np.savez`, `np.savez_compressed`): a zip file of `.npy` members, STORED
 * or DEFLATE, CRC-32 checked. The official Synapse training slices are `.npz` files holding
 * `image` and `label`.
 */
import { FileFormatError, ZipArchive } from '@befunet/common';
import { type NpyArray, readNpy } from './npy.js';

/**
 * Reads every array of the `.npz` file `bytes`, keyed by member name without its `.npy` suffix
 * (as `np.load` does); `source` names the file in error messages.
 */
export function readNpz(bytes: Uint8Array, source = '<npz>'): Map<string, NpyArray> {
  const archive = ZipArchive.open(bytes, source);
  const arrays = new Map<string, NpyArray>();
  for (const name of archive.entries.keys()) {
    if (name.endsWith('/')) continue; // directory entry
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    if (arrays.has(key)) throw new FileFormatError(source, `npz: array '${key}' appears twice`);
    arrays.set(key, readNpy(archive.read(name), `${source}:${name}`));
  }
  return arrays;
}
