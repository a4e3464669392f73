/**
 * `befunet predict`: segments image files (PNG, JPEG) and NIfTI volumes of any size with a model.
 * Images give `<name>_labels.png` (class ids as 8-bit grey) and `<name>_overlay.png`; volumes give
 * `<name>_labels.nii.gz` with the input's header geometry. Images larger or smaller than the
 * model's input go through the sliding window (Gaussian blending) unless `--mode resize`.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '@befunet/common';
import { writeAtomically } from '@befunet/common/node';
import { befunetConfigOf, predictImage, predictVolume, renderOverlay } from '@befunet/core';
import { colourChannels, stemOf, withChannels } from '@befunet/core/data';
import { formatLegend, type InferenceOptions } from '@befunet/core/inference';
import { decodeImage, encodePng, gzip } from '@befunet/core/io';
import {
  decodeFile,
  IMAGE_EXTENSIONS,
  listFiles,
  loadBefunet,
  NIFTI_EXTENSIONS,
  readDataFile,
  readNiftiFile,
} from '@befunet/core/node';
import type * as tfl from '@tensorflow/tfjs-layers';
import { numberOption } from '../args.js';
import { backendOption, type Command, type OptionValues } from '../command.js';
import { windowOption } from '../data-options.js';

const EXTENSIONS = [...IMAGE_EXTENSIONS, ...NIFTI_EXTENSIONS];

/** The output name stem of an input file (a name outside the lists is kept whole: its reader refuses it). */
const stemOfFile = (file: string) => stemOf(basename(file), EXTENSIONS) ?? basename(file);
const isVolume = (file: string) => stemOf(basename(file), NIFTI_EXTENSIONS) !== null;

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

async function predictVolumeFile(model: tfl.LayersModel, file: string, out: string, o: OptionValues) {
  const window = o.window === undefined ? undefined : windowOption(o);
  const prediction = await predictVolume(model, await readNiftiFile(file), {
    ...inferenceOptions(o),
    source: file,
    ...(window !== undefined && window !== 'minmax' && { window }),
    onProgress: (done, total) => process.stderr.write(`\r${basename(file)}: ${done}/${total} planes`),
  });
  process.stderr.write('\n');
  const name = `${stemOfFile(file)}_labels.nii.gz`;
  await writeAtomically(join(out, name), gzip(prediction.nifti));
  return { file, outputs: [name], legend: undefined };
}

export const predictCommand: Command = {
  summary: 'segment PNG/JPEG images and NIfTI volumes of any size; write label maps and overlays',
  options: {
    ...backendOption,
    model: {
      type: 'string',
      description: 'model folder, trainer checkpoint, or official .pth/.safetensors (required)',
    },
    input: { type: 'string', description: 'an image or volume file, or a folder of them (required)' },
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
    const files = info.isDirectory()
      ? (await listFiles(input, EXTENSIONS, 'predict: input folder')).map((f) => join(input, f))
      : [input];
    const { model } = await loadBefunet(String(o.model));
    await mkdir(out, { recursive: true });
    try {
      let legend: string | undefined;
      for (const file of files) {
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
