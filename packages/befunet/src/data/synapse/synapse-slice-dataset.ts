/**
 * The Synapse training slices in TransUNet's layout (Node.js): `train_npz/case0005_slice012.npz`
 * holding `image` (float32 [512, 512], windowed to 0..1) and `label` ([512, 512] class ids 0..8),
 * the samples listed one name per line, without extension, in `lists/lists_Synapse/train.txt`.
 * Without a list file, every `.npz` file of the folder is a sample, in name order.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@befunet/common';
import type { SegmentationDataset, SegmentationSample } from '../dataset.js';
import { readDataFile } from '../folder-files.js';
import { readNpz } from '../readers/npz.js';
import { checkSampleIndex } from '../sample-index.js';
import { SYNAPSE_CLASSES, synapseArrays } from './synapse-arrays.js';

export interface SynapseSliceOptions {
  /** Classes including background. Default 9. */
  numClasses?: number;
}

export class SynapseSliceDataset implements SegmentationDataset {
  readonly name: string;
  readonly length: number;
  readonly numClasses: number;
  readonly channels = 1;
  /** The sample names (file names without `.npz`), in order. */
  readonly names: readonly string[];

  /** Checks that `folder` exists and holds every listed slice; see the file comment. */
  constructor(
    readonly folder: string,
    listFile?: string,
    options: SynapseSliceOptions = {},
  ) {
    if (!isDirectory(folder))
      throw new ConfigError(`SynapseSliceDataset: the folder '${folder}' does not exist`);
    this.numClasses = options.numClasses ?? SYNAPSE_CLASSES;
    this.names = listFile ? readList(listFile, folder) : npzNames(folder);
    if (this.names.length === 0)
      throw new ConfigError(`SynapseSliceDataset: no slices in '${listFile ?? folder}'`);
    this.length = this.names.length;
    this.name = `synapse(${folder})`;
  }

  async get(index: number): Promise<SegmentationSample> {
    checkSampleIndex(this.name, index, this.length);
    const id = this.names[index]!;
    const path = join(this.folder, `${id}.npz`);
    const arrays = synapseArrays(readNpz(await readDataFile(path), path), path, 2, this.numClasses);
    const [height, width] = arrays.shape as [number, number];
    return { image: arrays.image, label: arrays.label, height, width, channels: 1, id };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function npzNames(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.npz'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** The names of `listFile` (blank lines ignored), each checked against the folder's files. */
function readList(listFile: string, folder: string): string[] {
  let text: string;
  try {
    text = readFileSync(listFile, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `SynapseSliceDataset: cannot read the list file '${listFile}' (${(error as Error).message})`,
    );
  }
  const present = new Set(npzNames(folder));
  const names: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const name = line.trim();
    if (!name) return;
    if (!present.has(name)) {
      throw new ConfigError(
        `SynapseSliceDataset: '${listFile}' line ${i + 1} lists '${name}', but '${join(folder, `${name}.npz`)}' does not exist`,
      );
    }
    names.push(name);
  });
  return names;
}
