/**
 * Training pairs from files the user drops: images and masks matched by name. The rule: a mask is
 * named after its image with `_mask` or `.mask` before the extension (`case1.png` pairs with
 * `case1_mask.png` or `case1.mask.png`; PNG or JPEG, in any mix). Masks are read by @befunet/core's
 * `maskLabels`: as class ids when every value is below the model's classes, else as a binary mask
 * (0/1 or 0/255, to labels 0 and 1). Every pair is checked by the core's `checkSample`, so a mask
 * of another size than its image is the core's ShapeError, naming the files, before training.
 */
import { common, decodeImage, maskLabels, type SegmentationSample } from '@befunet/core';
import { checkSample } from '@befunet/core/data';
import { pictureFromImage } from '../picture.js';
import type { NamedBytes } from '../samples.js';

const IMAGE = /\.(png|jpe?g)$/i;
const MASK_SUFFIX = /[._]mask$/i;

function stem(name: string): string {
  return name.replace(IMAGE, '');
}

/** Pairs `files` by the rule above; a ConfigError names the files that do not pair. */
export function pairByName(files: readonly NamedBytes[]): { image: NamedBytes; mask: NamedBytes }[] {
  const other = files.filter((f) => !IMAGE.test(f.name));
  if (other.length) {
    throw new common.ConfigError(`${other.map((f) => f.name).join(', ')}: not a PNG or JPEG file name`);
  }
  const masks = new Map(
    files
      .filter((f) => MASK_SUFFIX.test(stem(f.name)))
      .map((f) => [stem(f.name).replace(MASK_SUFFIX, ''), f]),
  );
  const images = files.filter((f) => !MASK_SUFFIX.test(stem(f.name)));
  const lonely = images.filter((f) => !masks.has(stem(f.name))).map((f) => f.name);
  if (lonely.length) {
    throw new common.ConfigError(
      `${lonely.join(', ')}: no mask; name it like the image with _mask or .mask before the extension (case1.png + case1_mask.png)`,
    );
  }
  const paired = new Set(images.map((f) => stem(f.name)));
  const orphans = [...masks].filter(([key]) => !paired.has(key)).map(([, f]) => f.name);
  if (orphans.length) throw new common.ConfigError(`${orphans.join(', ')}: no image of that name`);
  if (!images.length) throw new common.ConfigError('no image and mask pairs were given');
  return images.map((image) => ({ image, mask: masks.get(stem(image.name))! }));
}

/** The label map of a mask file: class ids when they fit `numClasses`, else a binary mask. */
function maskOf(mask: NamedBytes, numClasses: number) {
  const ids = maskLabels(mask.bytes, mask.name, 'labels');
  const fits = ids.label.every((v) => v < numClasses);
  return fits ? ids : maskLabels(mask.bytes, mask.name, 'binary');
}

/** One checked training sample from an image file and its mask file. */
export function trainingSample(image: NamedBytes, mask: NamedBytes, numClasses: number): SegmentationSample {
  const picture = pictureFromImage(decodeImage(image.bytes, image.name));
  const labels = maskOf(mask, numClasses);
  const sample: SegmentationSample = {
    image: picture.data,
    label: labels.label,
    height: picture.height,
    width: picture.width,
    channels: picture.channels,
    id: `${image.name} with mask ${mask.name} (${labels.width}x${labels.height})`,
  };
  checkSample(sample, numClasses);
  return sample;
}

/** Checked samples from dropped files (see the file's comment). */
export function samplesFromFiles(files: readonly NamedBytes[], numClasses: number): SegmentationSample[] {
  return pairByName(files).map(({ image, mask }) => trainingSample(image, mask, numClasses));
}
