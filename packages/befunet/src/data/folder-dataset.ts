/**
 * A data set of 2-D images and masks in two folders (Node.js), ISIC style:
 *   images/ISIC_0000000.jpg  <->  masks/ISIC_0000000_segmentation.png
 * Masks pair with images by name (see `file-pairing.ts`: the same stem, or the stem plus
 * `_segmentation`, `_mask`, `_seg`, `_label`, `_gt`). Images are PNG or JPEG (`decodeImage`), grey
 * or colour (alpha dropped); masks are binary or label maps (`mask-labels.ts`). Files are read
 * when a sample is asked for; `open` lists the folders, reads the first image (for the channels)
 * and, for label maps without `numClasses`, every mask once.
 */
import { join } from 'node:path';
import { ConfigError, InvalidValueError, ShapeError } from '@befunet/common';
import { type DecodedImage, decodeImage } from '@befunet/io';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';
import { type FilePair, hasLabelSuffix, imageKey, labelKey, pairFiles, stemOf } from './file-pairing.js';
import { decodeFile, listFiles, readDataFile } from './folder-files.js';
import { colourChannels, withChannels } from './image-channels.js';
import { type MaskKind, type MaskLabels, maskLabels } from './mask-labels.js';
import { PromiseCache } from './promise-cache.js';
import { checkSampleIndex } from './sample-index.js';

/** File name endings read as images and masks. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

export interface FolderDatasetOptions {
  /** The folder of the images. */
  images: string;
  /** The folder of the masks; the same folder as `images` when mask names carry a suffix (`_mask`...). */
  masks: string;
  /** 'binary' (default): 0/1 or 0/255 masks, 2 classes. 'labels': mask values are class ids. */
  maskKind?: MaskKind;
  /** With 'labels': the number of classes; by default the largest mask value + 1 (every mask is read once). */
  numClasses?: number;
  /** 1 (grey) or 3 (RGB) to convert every image; by default the channels of the first image. */
  channels?: 1 | 3;
  /** Samples kept in memory, least recently used dropped first. Default 0. */
  cacheSize?: number;
  /** The name in logs; by default the images folder. */
  name?: string;
}

const OWNER = 'FolderDataset';

export class FolderDataset implements SegmentationDataset {
  readonly length: number;
  private readonly cache: PromiseCache<number, SegmentationSample>;

  private constructor(
    readonly name: string,
    readonly numClasses: number,
    readonly channels: 1 | 3,
    private readonly options: FolderDatasetOptions & { maskKind: MaskKind },
    /** The image and mask file names of each sample. */
    readonly files: readonly FilePair[],
  ) {
    this.length = files.length;
    this.cache = new PromiseCache(options.cacheSize ?? 0);
  }

  /** Lists and pairs the folders' files; see the file comment for what it reads. */
  static async open(options: FolderDatasetOptions): Promise<FolderDataset> {
    const maskKind = options.maskKind ?? 'binary';
    checkOptions(options, maskKind);
    const [images, masks] = await Promise.all([
      listFiles(options.images, IMAGE_EXTENSIONS, `${OWNER}: images folder`),
      listFiles(options.masks, IMAGE_EXTENSIONS, `${OWNER}: masks folder`),
    ]);
    const stem = (name: string) => stemOf(name, IMAGE_EXTENSIONS)!;
    const sameFolder = options.images === options.masks;
    const isMask = (name: string) => hasLabelSuffix(stem(name));
    const pairs = pairFiles(
      sameFolder ? images.filter((n) => !isMask(n)) : images,
      sameFolder ? masks.filter(isMask) : masks,
      { image: (n) => imageKey(stem(n)), label: (n) => labelKey(stem(n)) },
      { owner: OWNER, imagesFolder: options.images, labelsFolder: options.masks, labelNoun: 'mask' },
    );
    const first = await readImage(join(options.images, pairs[0]!.image));
    const channels = options.channels ?? colourChannels(first.channels);
    let numClasses = maskKind === 'binary' ? 2 : options.numClasses;
    if (numClasses === undefined) {
      let max = 0;
      for (const { label } of pairs) {
        const mask = await readMask(join(options.masks, label), 'labels');
        for (const v of mask.label) max = Math.max(max, v);
      }
      numClasses = max + 1;
    }
    return new FolderDataset(
      options.name ?? options.images,
      numClasses,
      channels,
      { ...options, maskKind },
      pairs,
    );
  }

  async get(index: number): Promise<SegmentationSample> {
    checkSampleIndex(this.name, index, this.length);
    return this.cache.get(index, () => this.read(this.files[index]!));
  }

  private async read(pair: FilePair): Promise<SegmentationSample> {
    const imagePath = join(this.options.images, pair.image);
    const maskPath = join(this.options.masks, pair.label);
    const [image, mask] = await Promise.all([
      readImage(imagePath),
      readMask(maskPath, this.options.maskKind),
    ]);
    if (image.height !== mask.height || image.width !== mask.width) {
      throw new ShapeError(
        `${OWNER}: image ${imagePath} is ${image.height}x${image.width} (height x width) ` +
          `but its mask ${maskPath} is ${mask.height}x${mask.width}`,
      );
    }
    if (this.options.channels === undefined && colourChannels(image.channels) !== this.channels) {
      throw new ShapeError(
        `${OWNER}: image ${imagePath} has ${colourChannels(image.channels)} colour channel(s), the data set ` +
          `${this.channels} (from its first image); pass channels: ${this.channels} to convert every image`,
      );
    }
    const bad = mask.label.findIndex((v) => v >= this.numClasses);
    if (bad >= 0) {
      throw new InvalidValueError(
        `${OWNER}: mask ${maskPath} has the value ${mask.label[bad]} (row ${Math.floor(bad / mask.width)}, ` +
          `column ${bad % mask.width}), not a class id below numClasses = ${this.numClasses}`,
      );
    }
    return {
      image: withChannels(image, this.channels),
      label: mask.label,
      height: image.height,
      width: image.width,
      channels: this.channels,
      id: pair.image,
    };
  }
}

function checkOptions(options: FolderDatasetOptions, maskKind: MaskKind): void {
  if (maskKind !== 'binary' && maskKind !== 'labels') {
    throw new ConfigError(`${OWNER}: maskKind must be 'binary' or 'labels', got '${maskKind}'`);
  }
  const { numClasses, channels, cacheSize } = options;
  if (numClasses !== undefined) {
    if (maskKind === 'binary' && numClasses !== 2) {
      throw new ConfigError(`${OWNER}: binary masks have 2 classes, got numClasses = ${numClasses}`);
    }
    if (!Number.isInteger(numClasses) || numClasses < 2) {
      throw new ConfigError(`${OWNER}: numClasses must be an integer >= 2, got ${numClasses}`);
    }
  }
  if (channels !== undefined && channels !== 1 && channels !== 3) {
    throw new ConfigError(`${OWNER}: channels must be 1 or 3, got ${channels}`);
  }
  if (cacheSize !== undefined && !(Number.isInteger(cacheSize) && cacheSize >= 0)) {
    throw new ConfigError(`${OWNER}: cacheSize must be an integer >= 0, got ${cacheSize}`);
  }
}

async function readImage(path: string): Promise<DecodedImage> {
  const bytes = await readDataFile(path);
  return decodeFile(path, () => decodeImage(bytes, path));
}

async function readMask(path: string, kind: MaskKind): Promise<MaskLabels> {
  const bytes = await readDataFile(path);
  return decodeFile(path, () => maskLabels(bytes, path, kind));
}
