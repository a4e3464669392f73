/**
 * `befunet predict`: segments image files (PNG, JPEG), volumes (NIfTI, NRRD, MetaImage) and DICOM
 * series of any size with a model. Images give `<name>_labels.png` (class ids as 8-bit grey) and
 * `<name>_overlay.png`; volumes give `<name>_labels.nii.gz` with the input's geometry; a DICOM
 * series (a folder of its slices) gives `<folder>_labels.nii.gz` and a DICOM Segmentation
 * `<folder>_seg.dcm` that references the series. Images larger or smaller than the model's input go
 * through the sliding window (Gaussian blending) unless `--mode resize`.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '@befunet/common';
import { writeAtomically } from '@befunet/common/node';
import { befunetConfigOf, predictImage, predictVolume, renderOverlay } from '@befunet/core';
import { colourChannels, stemOf, withChannels } from '@befunet/core/data';
import { formatLegend, type InferenceOptions } from '@befunet/core/inference';
import {
  type DicomVolume,
  decodeImage,
  encodeDicomSeg,
  encodePng,
  gzip,
  type NiftiVolume,
} from '@befunet/core/io';
import {
  decodeFile,
  IMAGE_EXTENSIONS,
  listFiles,
  loadBefunet,
  readDataFile,
  readDicomFolder,
  readVolumeFile,
  VOLUME_EXTENSIONS,
} from '@befunet/core/node';
import type * as tfl from '@tensorflow/tfjs-layers';
import { numberOption } from '../args.js';
import { backendOption, type Command, type OptionValues } from '../command.js';
import { windowOption } from '../data-options.js';

const EXTENSIONS = [...IMAGE_EXTENSIONS, ...VOLUME_EXTENSIONS];

/** The output name stem of an input file (a name outside the lists is kept whole: its reader refuses it). */
const stemOfFile = (file: string) => stemOf(basename(file), EXTENSIONS) ?? basename(file);
const isVolume = (file: string) => stemOf(basename(file), VOLUME_EXTENSIONS) !== null;

function inferenceOptions(o: OptionValues): InferenceOptions & { threshold?: number } {
  const mode = String(o.mode);
  if (mode !== 'sliding-window' && mode !== 'resize') {
    throw new ConfigError(`--mode must be sliding-window or resize, got '${mode}'`);
  }
  return {
    mode,
    overlap: numberOption(o, 'overlap', 0, 0.99),
    replay: !o['no-replay'],
    ...(o.threshold !== undefined && { threshold: numberOption(o, 'threshold', 0, 1) }),
  };
}

async function predictImageFile(model: tfl.LayersModel, file: string, out: string, o: OptionValues) {
  const bytes = await readDataFile(file);
  const decoded = decodeFile(file, () => decodeImage(bytes, file));
  const channels = colourChannels(decoded.channels);
  const image = {
    data: withChannels(decoded, channels),
    height: decoded.height,
    width: decoded.width,
    channels,
  };
  const prediction = await predictImage(model, image, { ...inferenceOptions(o), source: file });
  const { numClasses } = befunetConfigOf(model);
  const stem = stemOfFile(file);
  const labels = encodePng({
    width: image.width,
    height: image.height,
    channels: 1,
    data: Uint8Array.from(prediction.labels),
  });
  await writeAtomically(join(out, `${stem}_labels.png`), labels);
  const overlay = renderOverlay(image, prediction.labels, { classes: numClasses });
  await writeAtomically(join(out, `${stem}_overlay.png`), overlay.png);
  return { file, outputs: [`${stem}_labels.png`, `${stem}_overlay.png`], legend: overlay.legend };
}

/** The label volume of `volume`, on its grid, with the input's geometry in `prediction.nifti`. */
async function predictVolumeLabels(
  model: tfl.LayersModel,
  volume: NiftiVolume,
  source: string,
  o: OptionValues,
) {
  const window = o.window === undefined ? undefined : windowOption(o);
  const prediction = await predictVolume(model, volume, {
    ...inferenceOptions(o),
    source,
    ...(window !== undefined && window !== 'minmax' && { window }),
    onProgress: (done, total) => process.stderr.write(`\r${basename(source)}: ${done}/${total} planes`),
  });
  process.stderr.write('\n');
  return prediction;
}

async function predictVolumeFile(model: tfl.LayersModel, file: string, out: string, o: OptionValues) {
  const prediction = await predictVolumeLabels(model, await readVolumeFile(file), file, o);
  const name = `${stemOfFile(file)}_labels.nii.gz`;
  await writeAtomically(join(out, name), gzip(prediction.nifti));
  return { file, outputs: [name], legend: undefined };
}

/** A DICOM series folder: the labels as NIfTI and as a DICOM SEG referencing the series. */
async function predictDicomSeries(
  model: tfl.LayersModel,
  volume: DicomVolume,
  folder: string,
  out: string,
  o: OptionValues,
) {
  const prediction = await predictVolumeLabels(model, volume, folder, o);
  const stem = basename(folder); // basename ignores a trailing separator
  const names = [`${stem}_labels.nii.gz`, `${stem}_seg.dcm`];
  await writeAtomically(join(out, names[0]!), gzip(prediction.nifti));
  // One segment per foreground class of the model, present or not.
  const classes = befunetConfigOf(model).numClasses - 1;
  await writeAtomically(join(out, names[1]!), encodeDicomSeg(prediction.labels, volume, { classes }));
  return { file: folder, outputs: names, legend: undefined };
}

/** The image and volume files of a folder; none, and the folder is read as one DICOM series. */
async function folderInputs(folder: string): Promise<string[] | DicomVolume> {
  const listed = await listFiles(folder, EXTENSIONS, 'predict: input folder').catch((error: Error) => error);
  if (Array.isArray(listed)) return listed.map((f) => join(folder, f));
  return readDicomFolder(folder).catch((error: Error) => {
    throw new ConfigError(`${listed.message}, and it is not a DICOM series: ${error.message}`, {
      cause: error,
    });
  });
}

export const predictCommand: Command = {
  summary:
    'segment PNG/JPEG images, NIfTI/NRRD/MetaImage volumes and DICOM series; write label maps, overlays, DICOM SEG',
  options: {
    ...backendOption,
    model: {
      type: 'string',
      description: 'model folder, trainer checkpoint, or official .pth/.safetensors (required)',
    },
    input: {
      type: 'string',
      description: 'an image or volume file, a folder of them, or a DICOM series folder (required)',
    },
    out: { type: 'string', default: 'runs/predict', description: 'output folder' },
    mode: { type: 'string', default: 'sliding-window', description: 'sliding-window or resize' },
    overlap: { type: 'string', default: '0.5', description: 'sliding-window tile overlap in [0, 1)' },
    'no-replay': {
      type: 'boolean',
      default: false,
      description: 'on WebGPU, run every forward pass through TF.js (default: replay a captured one)',
    },
    threshold: {
      type: 'string',
      description: 'foreground probability threshold of 2-class models (default 0.5)',
    },
    window: {
      type: 'string',
      description: "intensity window LO,HI of volumes (default: each volume's min..max)",
    },
  },
  async run(o) {
    if (o.model === undefined)
      throw new ConfigError('--model is required (a model folder, checkpoint or official file)');
    if (o.input === undefined) throw new ConfigError('--input is required (an image, a volume or a folder)');
    const input = String(o.input);
    const out = String(o.out);
    const info = await stat(input).catch(() => {
      throw new ConfigError(`--input ${input} does not exist`);
    });
    const inputs = info.isDirectory() ? await folderInputs(input) : [input];
    const { model } = await loadBefunet(String(o.model));
    await mkdir(out, { recursive: true });
    try {
      if (!Array.isArray(inputs)) {
        const result = await predictDicomSeries(model, inputs, input, out, o);
        console.log(`${input} (DICOM series) -> ${result.outputs.map((f) => join(out, f)).join(', ')}`);
        return;
      }
      let legend: string | undefined;
      for (const file of inputs) {
        const started = performance.now();
        const result = isVolume(file)
          ? await predictVolumeFile(model, file, out, o)
          : await predictImageFile(model, file, out, o);
        if (result.legend) legend = formatLegend(result.legend);
        console.log(
          `${file} -> ${result.outputs.map((f) => join(out, f)).join(', ')} (${((performance.now() - started) / 1000).toFixed(2)} s)`,
        );
      }
      if (legend) console.log(`overlay colours:\n${legend}`);
    } finally {
      model.dispose();
    }
  },
};
