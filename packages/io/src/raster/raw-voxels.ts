/** Voxels stored as a plain array of one numeric type (NRRD "raw", MetaImage binary data). */
import { FileFormatError } from '../errors.js';
import { CODE_OF, DATATYPES } from '../nifti/datatypes.js';
import type { NiftiDType } from '../nifti/types.js';
import { voxelGetter } from '../nifti/voxels.js';

/** `count` values of `dtype` from `offset` of `bytes`, as float32; a file too short is refused. */
export function decodeRawVoxels(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: NiftiDType,
  littleEndian: boolean,
  source: string,
): Float32Array {
  const needed = count * DATATYPES[CODE_OF[dtype]]!.bytes;
  if (!Number.isSafeInteger(needed) || offset < 0 || offset + needed > bytes.length) {
    throw new FileFormatError(
      source,
      `${count} ${dtype} voxels need ${needed} bytes from offset ${offset}, the data have ${bytes.length}`,
    );
  }
  const get = voxelGetter(new DataView(bytes.buffer, bytes.byteOffset + offset, needed), dtype, littleEndian);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = get(i);
  return data;
}

/** The affine whose columns are the axis steps and whose offset is the origin, with the world axes multiplied by `toRas`. */
export function affineFromAxes(
  steps: readonly (readonly number[])[],
  origin: readonly number[],
  toRas: readonly number[],
): [number[], number[], number[], number[]] {
  const row = (r: number) => [...steps.map((s) => s[r]! * toRas[r]! + 0), origin[r]! * toRas[r]! + 0];
  return [row(0), row(1), row(2), [0, 0, 0, 1]];
}
