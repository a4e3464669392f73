/**
 * Pairing image files with their label files by name, for folder-backed data sets. A file's key is
 * its stem (the name without its extension) less the words that only say what the file is:
 *   images: a leading `img` / `image` (`img0001.nii.gz` -> `0001`) and an nnU-Net channel
 *     suffix `_0000` (`case_01_0000.nii.gz` -> `case_01`);
 *   labels: a leading `label` / `labels` / `seg` / `mask` / `masks` / `gt` (`label0001.nii.gz` ->
 *     `0001`), or the image's own `img` / `image`, and a trailing `_segmentation` / `_seg` / `_mask` / `_label` / `_gt` (also with `-`):
 *     `ISIC_0000000_segmentation.png` -> `ISIC_0000000`.
 * An image and a label with the same key form a pair; a file with the same stem as its partner
 * pairs too.
 */
import { ConfigError } from '@befunet/common';

/** How many unpaired names an error lists. */
const LISTED = 5;

/** `name` without the first of `extensions` it ends with (case-insensitive), or null. */
export function stemOf(name: string, extensions: readonly string[]): string | null {
  const lower = name.toLowerCase();
  const ext = extensions.find((e) => lower.endsWith(e) && lower.length > e.length);
  return ext === undefined ? null : name.slice(0, name.length - ext.length);
}

/** The pairing key of an image stem. */
export function imageKey(stem: string): string {
  return stem.replace(/^(img|image)(?=[-_\d])[-_]?/i, '').replace(/_0000$/, '');
}

const LABEL_SUFFIX = /[-_](segmentation|seg|mask|label|gt)$/i;

/** Whether a stem ends with a label suffix (`_segmentation`, `_mask`...). */
export function hasLabelSuffix(stem: string): boolean {
  return LABEL_SUFFIX.test(stem);
}

/** The pairing key of a label (mask) stem. */
export function labelKey(stem: string): string {
  return stem.replace(/^(img|image|labels?|seg|masks?|gt)(?=[-_\d])[-_]?/i, '').replace(LABEL_SUFFIX, '');
}

export interface FilePair {
  image: string;
  label: string;
}

/** What the errors of `pairFiles` call things. */
export interface PairingNames {
  /** The owner, e.g. `FolderDataset`. */
  owner: string;
  /** The folders, for the messages. */
  imagesFolder: string;
  labelsFolder: string;
  /** The label files' noun, e.g. `mask` or `label volume`. */
  labelNoun: string;
}

function listed(names: string[]): string {
  const more = names.length > LISTED ? `, ... (${names.length - LISTED} more)` : '';
  return names.slice(0, LISTED).join(', ') + more;
}

/** Groups file names by key; two files with one key are an error. */
function byKey(
  names: readonly string[],
  keyOf: (name: string) => string,
  noun: string,
  folder: string,
  owner: string,
): Map<string, string> {
  const map = new Map<string, string>();
  for (const name of names) {
    const key = keyOf(name);
    const other = map.get(key);
    if (other !== undefined) {
      throw new ConfigError(
        `${owner}: ${other} and ${name} in ${folder} are both ${noun}s of '${key}'; keep one of them`,
      );
    }
    map.set(key, name);
  }
  return map;
}

/**
 * Pairs `images` with `labels` (file names) through the keys; every image needs a label and
 * every label an image, or a ConfigError lists the first unpaired ones. Pairs follow `images`.
 */
export function pairFiles(
  images: readonly string[],
  labels: readonly string[],
  keys: { image: (name: string) => string; label: (name: string) => string },
  names: PairingNames,
): FilePair[] {
  const { owner, imagesFolder, labelsFolder, labelNoun } = names;
  const imageByKey = byKey(images, keys.image, 'image', imagesFolder, owner);
  const labelByKey = byKey(labels, keys.label, labelNoun, labelsFolder, owner);
  const lonelyImages = [...imageByKey].filter(([key]) => !labelByKey.has(key)).map(([, name]) => name);
  if (lonelyImages.length > 0) {
    throw new ConfigError(
      `${owner}: ${lonelyImages.length} of ${images.length} images have no ${labelNoun} in ${labelsFolder}: ` +
        `${listed(lonelyImages)}. A ${labelNoun} pairs with an image of the same name, or with a name such as ` +
        'ISIC_0001_segmentation / ISIC_0001_mask for ISIC_0001, label0001 for img0001',
    );
  }
  const lonelyLabels = [...labelByKey].filter(([key]) => !imageByKey.has(key)).map(([, name]) => name);
  if (lonelyLabels.length > 0) {
    throw new ConfigError(
      `${owner}: ${lonelyLabels.length} ${labelNoun}s in ${labelsFolder} have no image in ${imagesFolder}: ` +
        `${listed(lonelyLabels)}; remove them or add their images`,
    );
  }
  return [...imageByKey].map(([key, image]) => ({ image, label: labelByKey.get(key)! }));
}
