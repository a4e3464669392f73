/**
 * The data options `befunet train` and `befunet eval` share, and the data set they describe:
 *   (default)                        synthetic organ images (the embedded default)
 *   --images DIR --masks DIR         a folder of PNG/JPEG images and one of masks (ISIC style)
 *   --volumes DIR --labels DIR       NIfTI image and label volumes, cut into axial slices
 *   --synapse DIR [--list FILE]      the official Synapse training slices (train_npz)
 */
import { ConfigError } from '@befunet/common';
import { type MaskKind, type SegmentationDataset, SyntheticDataset } from '@befunet/core';
import { FolderDataset, NiftiDataset, SynapseSliceDataset } from '@befunet/core/node';
import { intOption } from './args.js';
import type { OptionValues } from './command.js';

export const dataOptions = {
  images: { type: 'string', description: 'folder of PNG/JPEG images (with --masks)' },
  masks: { type: 'string', description: 'folder of the masks, matched to images by name' },
  'mask-kind': {
    type: 'string',
    default: 'binary',
    description: 'binary (0/255 or 0/1 masks) or labels (pixel values are class ids)',
  },
  volumes: { type: 'string', description: 'folder of NIfTI image volumes (with --labels)' },
  labels: { type: 'string', description: 'folder of NIfTI label volumes' },
  window: {
    type: 'string',
    default: '-125,275',
    description: "intensity window LO,HI of NIfTI volumes (CT HU), or 'minmax'",
  },
  synapse: { type: 'string', description: 'Synapse train_npz folder of .npz slices' },
  list: { type: 'string', description: 'Synapse list file (names without extension)' },
  classes: { type: 'string', description: 'classes including background (default: from the data)' },
  'synthetic-images': {
    type: 'string',
    default: '400',
    description: 'synthetic images when no data is given',
  },
} as const;

/** `--window LO,HI` or `minmax`. */
export function windowOption(o: OptionValues): readonly [number, number] | 'minmax' {
  const raw = String(o.window);
  if (raw === 'minmax') return 'minmax';
  const parts = raw.split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[0]! >= parts[1]!) {
    throw new ConfigError(`--window must be LO,HI with LO < HI, or minmax; got '${raw}'`);
  }
  return [parts[0]!, parts[1]!];
}

/** The data set the options name; `size` is the synthetic images' side, `seed` their seed. */
export async function datasetFromOptions(
  o: OptionValues,
  defaults: { size: number; seed: number; numClasses: number },
): Promise<SegmentationDataset> {
  const numClasses = o.classes === undefined ? undefined : intOption(o, 'classes', 2, 65536);
  const given = [
    o.images !== undefined || o.masks !== undefined,
    o.volumes !== undefined || o.labels !== undefined,
    o.synapse !== undefined,
  ].filter(Boolean).length;
  if (given > 1)
    throw new ConfigError('give one data source: --images/--masks, --volumes/--labels or --synapse');
  if (o.images !== undefined || o.masks !== undefined) {
    if (o.images === undefined || o.masks === undefined) {
      throw new ConfigError('--images and --masks go together (a folder of images and one of masks)');
    }
    const maskKind = String(o['mask-kind']) as MaskKind;
    if (maskKind !== 'binary' && maskKind !== 'labels') {
      throw new ConfigError(`--mask-kind must be binary or labels, got '${maskKind}'`);
    }
    return FolderDataset.open({
      images: String(o.images),
      masks: String(o.masks),
      maskKind,
      ...(numClasses !== undefined && { numClasses }),
    });
  }
  if (o.volumes !== undefined || o.labels !== undefined) {
    if (o.volumes === undefined || o.labels === undefined) {
      throw new ConfigError('--volumes and --labels go together (NIfTI image and label volumes)');
    }
    return NiftiDataset.open({
      images: String(o.volumes),
      labels: String(o.labels),
      window: windowOption(o),
      ...(numClasses !== undefined && { numClasses }),
    });
  }
  if (o.synapse !== undefined) {
    return new SynapseSliceDataset(
      String(o.synapse),
      o.list === undefined ? undefined : String(o.list),
      numClasses === undefined ? {} : { numClasses },
    );
  }
  return new SyntheticDataset(intOption(o, 'synthetic-images', 1, 10_000_000), defaults.seed, {
    size: defaults.size,
    numClasses: numClasses ?? defaults.numClasses,
  });
}
