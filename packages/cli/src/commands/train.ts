/**
 * `befunet train`: trains a BEFUnet on the data the options name (see `data-options.ts`), with the
 * official recipe by default (SGD, momentum 0.9, weight decay 1e-4, lr 0.01 with poly decay, rot90 +
 * flip or +-20 degree rotation), validating on a seeded held-out fraction, with resumable checkpoints.
 */
import { ConfigError } from '@befunet/common';
import {
  type Augmentation,
  type BefunetPreset,
  befunetConfig,
  befunetConfigOf,
  createBefunet,
  intensityJitter,
  officialGeometry,
  randomRot90Flip,
  resizedDataset,
  resizeTo,
  splitDataset,
} from '@befunet/core';
import { loadBefunet } from '@befunet/core/node';
import type { LrSchedule, OptimizerConfig } from '@befunet/core/training';
import type * as tfl from '@tensorflow/tfjs-layers';
import { intOption, numberOption } from '../args.js';
import { backendOption, type Command, type OptionValues } from '../command.js';
import { dataOptions, datasetFromOptions } from '../data-options.js';
import { runTraining } from '../jobs/training-run.js';

function augmentationsOf(o: OptionValues, size: number): Augmentation[] {
  const kind = String(o.augment);
  const geometry: Record<string, Augmentation[]> = {
    official: [officialGeometry()],
    'rot-flip': [randomRot90Flip],
    none: [],
  };
  const chosen = geometry[kind];
  if (!chosen) throw new ConfigError(`--augment must be official, rot-flip or none, got '${kind}'`);
  // Resizing last: every sample reaches the model's input size whatever the data's size.
  return [...chosen, ...(o.jitter ? [intensityJitter()] : []), resizeTo(size)];
}

function optimizerOf(o: OptionValues): OptimizerConfig {
  const kind = String(o.optimizer);
  if (kind !== 'sgd' && kind !== 'adamw')
    throw new ConfigError(`--optimizer must be sgd or adamw, got '${kind}'`);
  const weightDecay = numberOption(o, 'weight-decay', 0, 1);
  return kind === 'sgd' ? { kind, momentum: 0.9, weightDecay } : { kind, weightDecay };
}

function scheduleOf(o: OptionValues): LrSchedule {
  const kind = String(o.schedule);
  if (kind !== 'poly' && kind !== 'constant') {
    throw new ConfigError(`--schedule must be poly or constant, got '${kind}'`);
  }
  return { kind, warmupSteps: intOption(o, 'warmup', 0, 1_000_000) };
}

async function modelOf(o: OptionValues, numClasses: number, seed: number): Promise<tfl.LayersModel> {
  if (o.init !== undefined) {
    const { model } = await loadBefunet(String(o.init));
    const have = befunetConfigOf(model).numClasses;
    if (have !== numClasses) {
      model.dispose();
      throw new ConfigError(`--init model has ${have} classes, the data ${numClasses}`);
    }
    return model;
  }
  const overrides = {
    numClasses,
    ...(o.size === undefined ? {} : { imageSize: intOption(o, 'size', 32, 4096) }),
  };
  // Seeded initial weights: the same command starts from the same model.
  return createBefunet(befunetConfig(String(o.preset) as BefunetPreset, overrides), {}, { seed });
}

export const trainCommand: Command = {
  summary: 'train a BEFUnet (official recipe by default) with validation and resumable checkpoints',
  options: {
    ...backendOption,
    ...dataOptions,
    preset: { type: 'string', default: 'paper', description: 'paper, official or tiny' },
    size: { type: 'string', description: "model input side in pixels (default: the preset's)" },
    init: {
      type: 'string',
      description: 'start from this model (befunet import output, checkpoint, model folder)',
    },
    steps: { type: 'string', description: 'optimizer steps (or --epochs)' },
    epochs: { type: 'string', default: '10', description: 'epochs, when --steps is not given' },
    batch: { type: 'string', default: '10', description: 'images per micro-batch' },
    accumulation: { type: 'string', default: '1', description: 'micro-batches per optimizer step' },
    'no-replay': {
      type: 'boolean',
      default: false,
      description: 'on WebGPU with SGD, run every step through TF.js (default: replay captured steps)',
    },
    optimizer: { type: 'string', default: 'sgd', description: 'sgd (momentum 0.9) or adamw' },
    lr: { type: 'string', description: 'base learning rate (default 0.01 for sgd, 0.001 for adamw)' },
    'weight-decay': { type: 'string', default: '0.0001', description: 'weight decay' },
    schedule: { type: 'string', default: 'poly', description: 'poly (power 0.9) or constant' },
    warmup: { type: 'string', default: '0', description: 'linear warm-up steps' },
    augment: { type: 'string', default: 'official', description: 'official, rot-flip or none' },
    jitter: { type: 'boolean', default: false, description: 'add brightness/contrast/gamma jitter' },
    'edge-weight': { type: 'string', default: '1', description: 'gamma of L = L_body + gamma L_edge' },
    'val-fraction': {
      type: 'string',
      default: '0.1',
      description: 'held-out fraction for validation (0: none)',
    },
    'val-every': { type: 'string', default: '1', description: 'validate every N epochs (and at the end)' },
    'checkpoint-every': {
      type: 'string',
      default: '100',
      description: 'save the latest checkpoint every N steps',
    },
    seed: { type: 'string', default: '0', description: 'seed of the split, batch order and augmentations' },
    out: { type: 'string', default: 'runs/train', description: 'output folder' },
    resume: {
      type: 'boolean',
      default: false,
      description: 'continue from the latest checkpoint in --out (a finished run: to a larger --steps)',
    },
    force: {
      type: 'boolean',
      default: false,
      description: 'move a run already in --out aside (renamed, not deleted) and start afresh',
    },
  },
  async run(o) {
    const seed = intOption(o, 'seed', 0, 2 ** 31 - 1);
    const preset = String(o.preset) as BefunetPreset;
    const presetConfig = befunetConfig(preset);
    const size = o.size === undefined ? presetConfig.imageSize : intOption(o, 'size', 32, 4096);
    const data = await datasetFromOptions(o, { size, seed, numClasses: presetConfig.numClasses });
    const fraction = numberOption(o, 'val-fraction', 0, 0.9);
    const split = fraction > 0 ? splitDataset(data, { validationFraction: fraction, seed }) : undefined;
    const model = await modelOf(o, data.numClasses, seed);
    const modelSize = befunetConfigOf(model).imageSize;
    try {
      const { final, outDir } = await runTraining(model, split?.train ?? data, {
        ...(o.steps === undefined
          ? { epochs: intOption(o, 'epochs', 1, 1_000_000) }
          : { steps: intOption(o, 'steps', 1, 100_000_000) }),
        batchSize: intOption(o, 'batch', 1, 4096),
        accumulation: intOption(o, 'accumulation', 1, 4096),
        optimizer: optimizerOf(o),
        ...(o.lr !== undefined && { learningRate: numberOption(o, 'lr', 1e-8, 10) }),
        schedule: scheduleOf(o),
        seed,
        augmentations: augmentationsOf(o, modelSize),
        loss: { edgeWeight: numberOption(o, 'edge-weight', 0, 1000) },
        ...(split && { validation: resizedDataset(split.validation, modelSize) }),
        validateEveryEpochs: intOption(o, 'val-every', 1, 1_000_000),
        checkpointEverySteps: intOption(o, 'checkpoint-every', 1, 100_000_000),
        resume: Boolean(o.resume),
        force: Boolean(o.force),
        replay: !o['no-replay'],
        outDir: String(o.out),
      });
      if (final) {
        console.log(
          `validation mean Dice ${final.mean.dice.toFixed(4)}, HD95 ${final.mean.hd95.toFixed(2)} px; outputs in ${outDir}/`,
        );
      }
    } finally {
      model.dispose();
    }
  },
};
