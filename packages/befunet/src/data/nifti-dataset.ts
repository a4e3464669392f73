/**
 * A data set of the axial slices of 3-D NIfTI volumes (Node.js): image volumes (CT, MRI) paired
 * with label volumes, as in Synapse / BTCV (`img0001.nii.gz` <-> `label0001.nii.gz`) or the Medical
 * Segmentation Decathlon (same names in `imagesTr` and `labelsTr`), or given as explicit pairs.
 * Volumes are `.nii`, `.nii.gz` or `.hdr` headers with their `.img` beside them (`nifti-files.ts`).
 *
 * Each sample is the slice z of a pair (`sliceAxial`): row y, column x of the volume (NIfTI's
 * first axis runs along the rows of the sample, as in `data[x + nx * y]`), one channel, the
 * intensities windowed to 0..1 (`windowIntensity`: (v - lo) / (hi - lo) clipped; by default the
 * abdominal CT window -125..275 HU of the Synapse preprocessing). Labels are the label volume's
 * values, optionally remapped.
 *
 * `open` reads every label volume once (to count the slices, check the values and the geometry);
 * a sample reads its pair of volumes, which a small cache keeps (volumes, not slices).
 */
import { basename, join } from 'node:path';
import { ConfigError, InvalidValueError, ShapeError } from '@befunet/common';
import type { NiftiHeader, NiftiVolume } from '@befunet/io';
import type { SegmentationDataset, SegmentationSample } from './dataset.js';
import { type FilePair, imageKey, labelKey, pairFiles, stemOf } from './file-pairing.js';
import { listFiles } from './folder-files.js';
import { NIFTI_EXTENSIONS, readNiftiFile, readNiftiFileHeader } from './nifti-files.js';
import { PromiseCache } from './promise-cache.js';
import { checkSampleIndex } from './sample-index.js';
import { sliceAxial, windowIntensity } from './volume-slices.js';

export { NIFTI_EXTENSIONS };

/** The abdominal CT window of the Synapse preprocessing (TransUNet), in HU. */
export const SYNAPSE_CT_WINDOW: readonly [number, number] = [-125, 275];

export interface NiftiDatasetOptions {
  /** The folder of the image volumes (with `labels`; or give `pairs`). */
  images?: string;
  /** The folder of the label volumes, paired with the images by name (see `file-pairing.ts`). */
  labels?: string;
  /** Explicit (image path, label path) pairs, instead of the folders. */
  pairs?: readonly FilePair[];
  /** Intensities [lo, hi] mapped to 0..1 (clipped), or 'minmax' per volume. Default [-125, 275]. */
  window?: readonly [number, number] | 'minmax';
  /** Leave out the slices whose labels are all background (after `labelMap`). Default false. */
  skipEmptySlices?: boolean;
  /** Label value -> class id; values not listed become background 0 (e.g. 13 BTCV organs -> 8). */
  labelMap?: Readonly<Record<number, number>>;
  /** Classes including background; by default the largest class id found (or in `labelMap`) + 1. */
  numClasses?: number;
  /**
   * Pairs of volumes kept in memory (about 5 bytes per voxel), or Infinity for all. Default 2.
   * Loading a pair costs about a second per 25 M voxels (mostly gunzip), and training draws
   * slices in random order over all volumes: keep every volume when memory allows.
   */
  cacheVolumes?: number;
  /** The name in logs; by default the images folder or the first image's folder. */
  name?: string;
}

const OWNER = 'NiftiDataset';

/** A pair of volumes as the samples need them: windowed image, class ids, in volume order. */
interface LoadedPair {
  shape: readonly number[];
  image: Float32Array;
  /** One byte per voxel when numClasses <= 256. */
  label: Uint8Array | Int32Array;
}

export class NiftiDataset implements SegmentationDataset {
  readonly channels = 1;
  readonly length: number;
  private readonly cache: PromiseCache<number, LoadedPair>;

  private constructor(
    readonly name: string,
    readonly numClasses: number,
    /** The image and label paths of each pair of volumes. */
    readonly volumes: readonly FilePair[],
    /** The pair (index in `volumes`) and slice of each sample. */
    private readonly slices: { volume: Int32Array; z: Int32Array },
    private readonly options: NiftiDatasetOptions,
  ) {
    this.length = slices.z.length;
    this.cache = new PromiseCache(options.cacheVolumes ?? 2);
  }

  /** Pairs the volumes, reads every label volume and the image headers; see the file comment. */
  static async open(options: NiftiDatasetOptions): Promise<NiftiDataset> {
    checkOptions(options);
    const volumes = await volumePairs(options);
    const volumeOf: number[] = [];
    const zOf: number[] = [];
    let maxClass = Math.max(0, ...Object.values(options.labelMap ?? {}));
    for (const [v, pair] of volumes.entries()) {
      const label = labelClasses(await readVolume(pair.label), pair.label, options, Int32Array);
      checkGeometry(await readNiftiFileHeader(pair.image), label.volume.header, pair);
      const [nx, ny, nz] = [label.volume.shape[0]!, label.volume.shape[1] ?? 1, label.volume.shape[2] ?? 1];
      for (let z = 0; z < nz; z++) {
        const slice = label.classes.subarray(z * nx * ny, (z + 1) * nx * ny);
        if (options.skipEmptySlices && slice.every((c) => c === 0)) continue;
        volumeOf.push(v);
        zOf.push(z);
      }
      maxClass = Math.max(maxClass, label.max);
    }
    const numClasses = options.numClasses ?? maxClass + 1;
    if (zOf.length === 0) throw new ConfigError(`${OWNER}: no slice has foreground labels (skipEmptySlices)`);
    const name = options.name ?? options.images ?? volumes[0]!.image;
    return new NiftiDataset(
      name,
      Math.max(2, numClasses),
      volumes,
      {
        volume: Int32Array.from(volumeOf),
        z: Int32Array.from(zOf),
      },
      options,
    );
  }

  async get(index: number): Promise<SegmentationSample> {
    checkSampleIndex(this.name, index, this.length);
    const v = this.slices.volume[index]!;
    const z = this.slices.z[index]!;
    const pair = await this.cache.get(v, () => this.load(this.volumes[v]!));
    const image = sliceAxial({ shape: pair.shape, data: pair.image }, z);
    const plane = image.width * image.height;
    return {
      image: image.data,
      label: Int32Array.from(pair.label.subarray(z * plane, (z + 1) * plane)),
      height: image.height,
      width: image.width,
      channels: 1,
      id: `${basename(this.volumes[v]!.image)}#slice ${z}`,
    };
  }

  private async load(pair: FilePair): Promise<LoadedPair> {
    const [image, label] = await Promise.all([readVolume(pair.image), readVolume(pair.label)]);
    checkGeometry(image.header, label.header, pair);
    const window = this.options.window ?? SYNAPSE_CT_WINDOW;
    const [lo, hi] = window === 'minmax' ? range(image.data) : window;
    return {
      shape: image.shape,
      image: hi > lo ? windowIntensity(image.data, lo, hi) : new Float32Array(image.data.length),
      label: labelClasses(label, pair.label, this.options, this.numClasses <= 256 ? Uint8Array : Int32Array)
        .classes,
    };
  }
}

function checkOptions(options: NiftiDatasetOptions): void {
  const { window, numClasses, cacheVolumes, labelMap } = options;
  if (window !== undefined && window !== 'minmax') {
    const [lo, hi] = window;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
      throw new ConfigError(
        `${OWNER}: window must be 'minmax' or [lo, hi] with finite lo < hi, got [${window}]`,
      );
    }
  }
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 2)) {
    throw new ConfigError(`${OWNER}: numClasses must be an integer >= 2, got ${numClasses}`);
  }
  const volumeCount = cacheVolumes === Number.POSITIVE_INFINITY || Number.isInteger(cacheVolumes);
  if (cacheVolumes !== undefined && !(volumeCount && cacheVolumes >= 0)) {
    throw new ConfigError(`${OWNER}: cacheVolumes must be an integer >= 0 or Infinity, got ${cacheVolumes}`);
  }
  for (const [from, to] of Object.entries(labelMap ?? {})) {
    if (!Number.isInteger(to) || to < 0) {
      throw new ConfigError(`${OWNER}: labelMap maps ${from} to ${to}, not a class id (an integer >= 0)`);
    }
    if (numClasses !== undefined && to >= numClasses) {
      throw new ConfigError(
        `${OWNER}: labelMap maps ${from} to class ${to}, not below numClasses = ${numClasses}`,
      );
    }
  }
}

/** The pairs of volume paths: explicit, or the folders' files paired by name. */
async function volumePairs(options: NiftiDatasetOptions): Promise<FilePair[]> {
  const { images, labels, pairs } = options;
  if (pairs !== undefined) {
    if (images !== undefined || labels !== undefined) {
      throw new ConfigError(`${OWNER}: give either pairs or the images and labels folders, not both`);
    }
    if (pairs.length === 0) throw new ConfigError(`${OWNER}: pairs is empty`);
    return [...pairs];
  }
  if (images === undefined || labels === undefined) {
    throw new ConfigError(`${OWNER}: give the images and labels folders, or pairs`);
  }
  const [imageNames, labelNames] = await Promise.all([
    listFiles(images, NIFTI_EXTENSIONS, `${OWNER}: images folder`),
    listFiles(labels, NIFTI_EXTENSIONS, `${OWNER}: labels folder`),
  ]);
  const stem = (name: string) => stemOf(name, NIFTI_EXTENSIONS)!;
  return pairFiles(
    imageNames,
    labelNames,
    { image: (n) => imageKey(stem(n)), label: (n) => labelKey(stem(n)) },
    { owner: OWNER, imagesFolder: images, labelsFolder: labels, labelNoun: 'label volume' },
  ).map((p) => ({ image: join(images, p.image), label: join(labels, p.label) }));
}

async function readVolume(path: string): Promise<NiftiVolume> {
  return checkRank(await readNiftiFile(path), path);
}

function checkRank(volume: NiftiVolume, path: string): NiftiVolume {
  if (volume.shape.slice(3).some((d) => d > 1)) {
    throw new ShapeError(
      `${OWNER}: ${path} has dim [${volume.shape}]; only 3-D volumes (one channel) are read`,
    );
  }
  return volume;
}

/** The sizes and voxel spacing of the image and label volumes must agree (spacing within 0.1%). */
function checkGeometry(image: NiftiHeader, label: NiftiHeader, pair: FilePair): void {
  const size = (h: NiftiHeader) => [1, 2, 3].map((k) => (k <= h.dim[0]! ? h.dim[k]! : 1));
  const [a, b] = [size(image), size(label)];
  if (a.some((d, k) => d !== b[k])) {
    throw new ShapeError(
      `${OWNER}: image ${pair.image} has dim [${a}] but its labels ${pair.label} have dim [${b}]`,
    );
  }
  // pixdim is float32: 6 significant digits print 0.8, not 0.800000011920929.
  const spacing = (h: NiftiHeader) => [1, 2, 3].map((k) => Number(Math.abs(h.pixdim[k]!).toPrecision(6)));
  const [sa, sb] = [spacing(image), spacing(label)];
  if (sa.some((s, k) => Math.abs(s - sb[k]!) > 1e-3 * Math.max(s, sb[k]!))) {
    throw new ShapeError(
      `${OWNER}: image ${pair.image} has voxel spacing [${sa}] but its labels ${pair.label} have [${sb}]`,
    );
  }
}

/** The class ids of a label volume (remapped), with their largest value; non-integer labels are an error. */
function labelClasses(
  volume: NiftiVolume,
  path: string,
  options: NiftiDatasetOptions,
  type: Uint8ArrayConstructor | Int32ArrayConstructor,
): { volume: NiftiVolume; classes: Uint8Array | Int32Array; max: number } {
  const { data } = volume;
  const classes = new type(data.length);
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(Number.isInteger(v) && v >= 0)) {
      throw new InvalidValueError(
        `${OWNER}: label volume ${path} holds ${v} at voxel ${i}, not a label (an integer >= 0)`,
      );
    }
    const c = options.labelMap ? (options.labelMap[v] ?? 0) : v;
    classes[i] = c;
    if (c > max) max = c;
  }
  if (options.numClasses !== undefined && max >= options.numClasses) {
    throw new InvalidValueError(
      `${OWNER}: label volume ${path} holds class ${max}, not below numClasses = ${options.numClasses}`,
    );
  }
  return { volume, classes, max };
}

function range(data: Float32Array): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    lo = Math.min(lo, data[i]!);
    hi = Math.max(hi, data[i]!);
  }
  return [lo, hi];
}
