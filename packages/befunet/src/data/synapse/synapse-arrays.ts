/**
 * The `image` and `label` arrays of a Synapse file (a training slice `.npz` or a test volume
 * `.npy.h5`, TransUNet's preprocessing): both present, of the expected rank and the same shape,
 * the image as float32, the label as integer class ids 0..numClasses-1.
 */
import { FileFormatError, InvalidValueError } from '@befunet/common';
import type { NpyArray } from '../readers/npy.js';

/** Background plus the 8 abdominal organs of the Synapse multi-organ CT benchmark. */
export const SYNAPSE_CLASSES = 9;

export interface SynapseArrays {
  readonly shape: readonly number[];
  readonly image: Float32Array;
  readonly label: Int32Array;
}

/** Checks and converts the `image` and `label` of `arrays`, read from `source`. */
export function synapseArrays(
  arrays: ReadonlyMap<string, NpyArray>,
  source: string,
  rank: number,
  numClasses: number,
): SynapseArrays {
  const get = (key: string) =>
    arrays.get(key) ??
    (() => {
      throw new FileFormatError(
        source,
        `no '${key}' array (found: ${[...arrays.keys()].join(', ') || 'none'})`,
      );
    })();
  const image = get('image');
  const label = get('label');
  if (image.shape.length !== rank) {
    throw new FileFormatError(source, `'image' has shape [${image.shape}], expected ${rank} dimensions`);
  }
  if (image.shape.join() !== label.shape.join()) {
    throw new FileFormatError(
      source,
      `'image' [${image.shape}] and 'label' [${label.shape}] differ in shape`,
    );
  }
  const classes = new Int32Array(label.data.length);
  for (let i = 0; i < classes.length; i++) {
    const v = label.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new InvalidValueError(
        `${source}: 'label' holds ${v} at flat index ${i}, not a class id in 0..${numClasses - 1}`,
      );
    }
    classes[i] = v;
  }
  const values = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data);
  return { shape: image.shape, image: values, label: classes };
}
