/**
 * The Node.js side of the comparison: the same model files (the built page's `model/`) loaded by
 * @befunet/core on TF.js's cpu backend, and the same pipeline (segmentation.ts) on the same input.
 */
import { nodeFileSystem, useBackend } from '@befunet/core/node';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Picture } from '../src/picture.js';
import { type Segmentation, segmentPicture } from '../src/segmentation.js';

export async function nodeSegmenter(modelDir: string): Promise<(picture: Picture) => Promise<Segmentation>> {
  await useBackend('cpu');
  const model = await tfl.loadLayersModel(nodeFileSystem(modelDir));
  return (picture) => segmentPicture(model, picture);
}
