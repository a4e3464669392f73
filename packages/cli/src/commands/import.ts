/**
 * `befunet import`: turns checkpoints of other code bases into a BEFUnet model folder (TF.js format)
 * that every other command loads with `--model`:
 * - `--official FILE`: a checkpoint of the official BEFUnet code -> the `official` graph;
 * - `--swin FILE` and/or `--pidinet FILE`: ImageNet Swin-T (timm or Microsoft layout) and PiDiNet
 *   edge-detection weights -> a fresh `paper` (or `tiny`) model initialised from them.
 * An `import-report.json` next to the model lists what was loaded and what was skipped, with reasons.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@befunet/common';
import { nodeFileSystem, writeAtomically } from '@befunet/common/node';
import {
  type BefunetPreset,
  befunetConfig,
  befunetFromOfficialStateDict,
  createBefunet,
  loadPretrainedSwin,
  type pdc,
  readCheckpoint,
} from '@befunet/core';
import { loadPretrainedPidinet } from '@befunet/core/model';
import type * as tfl from '@tensorflow/tfjs-layers';
import { intOption } from '../args.js';
import { backendOption, type Command, type OptionValues } from '../command.js';
import { moveAside } from '../jobs/run-folder.js';

async function readStateDict(path: string) {
  return readCheckpoint(new Uint8Array(await readFile(path)), path);
}

async function importPretrained(o: OptionValues): Promise<{ model: tfl.LayersModel; report: object }> {
  const preset = String(o.preset) as BefunetPreset;
  if (preset === 'official') {
    throw new ConfigError(
      '--swin/--pidinet initialise a paper-graph model; use --official for official checkpoints',
    );
  }
  const overrides = {
    ...(o.classes === undefined ? {} : { numClasses: intOption(o, 'classes', 2, 1000) }),
    ...(o.size === undefined ? {} : { imageSize: intOption(o, 'size', 32, 4096) }),
    ...(o['edge-channels'] === undefined ? {} : { edgeChannels: intOption(o, 'edge-channels', 1, 4096) }),
  };
  const model = createBefunet(befunetConfig(preset, overrides));
  const report: Record<string, unknown> = { preset, config: overrides };
  try {
    if (o.swin !== undefined) {
      report.swin = loadPretrainedSwin(model, await readStateDict(String(o.swin)));
    }
    if (o.pidinet !== undefined) {
      const encoder = model.getLayer('edge_encoder') as unknown as pdc.EdgeEncoder;
      report.pidinet = loadPretrainedPidinet(encoder, await readStateDict(String(o.pidinet)));
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, report };
}

/**
 * A model already in `out` is never overwritten: refused before any work unless `force`, which
 * moves it aside (renamed, not deleted) once the new model is ready, so a bad checkpoint changes nothing.
 */
function holdsModel(out: string, force: boolean): boolean {
  const found = existsSync(join(out, 'model.json'));
  if (found && !force) {
    throw new ConfigError(
      `the output folder ${out} already holds a model (model.json); pass --force to move it aside ` +
        '(renamed, not deleted) or choose another --out',
    );
  }
  return found;
}

export const importCommand: Command = {
  summary: 'import official BEFUnet, Swin-T (timm/Microsoft) or PiDiNet checkpoints into a model folder',
  options: {
    ...backendOption,
    official: {
      type: 'string',
      description: 'checkpoint of the official BEFUnet code (.pth or .safetensors)',
    },
    swin: { type: 'string', description: 'ImageNet Swin-T checkpoint to initialise the body encoder' },
    pidinet: { type: 'string', description: 'PiDiNet checkpoint to initialise the edge encoder' },
    preset: {
      type: 'string',
      default: 'paper',
      description: 'preset of the model --swin/--pidinet initialise',
    },
    classes: { type: 'string', description: "classes of that model (default: the preset's)" },
    size: { type: 'string', description: "input side of that model (default: the preset's)" },
    'edge-channels': {
      type: 'string',
      description: "edge encoder width of that model (PiDiNet-small's weights fit at 30)",
    },
    out: { type: 'string', description: 'output model folder (required)' },
    force: {
      type: 'boolean',
      default: false,
      description: 'move a model already in --out aside (renamed to <out>.replaced-<time>, not deleted)',
    },
  },
  async run(o) {
    if (o.out === undefined) throw new ConfigError('--out FOLDER is required');
    const pretrained = o.swin !== undefined || o.pidinet !== undefined;
    if ((o.official !== undefined) === pretrained) {
      throw new ConfigError('give either --official FILE, or --swin FILE and/or --pidinet FILE');
    }
    const out = String(o.out);
    const replacing = holdsModel(out, Boolean(o.force));
    const { model, report } =
      o.official !== undefined
        ? befunetFromOfficialStateDict(await readStateDict(String(o.official)))
        : await importPretrained(o);
    if (replacing)
      console.error(`the model that was in ${out} was moved to ${await moveAside(out, 'model')}`);
    await model.save(nodeFileSystem(out));
    await writeAtomically(join(out, 'import-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`model (${model.countParams().toLocaleString('en-US')} parameters) written to ${out}/`);
    model.dispose();
  },
};
