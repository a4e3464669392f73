/**
 * The model benchmark (formerly `befunet bench`; not published): forward latency, throughput,
 * training step, peak memory, slowest kernels.
 *
 * usage: pnpm --filter @befunet/core bench:model [--backend B] [--preset P] [--size S] [--batch N] [--runs N] [--json]
 *        (from packages/befunet: node ../../node_modules/tsx/dist/cli.mjs bench/model.ts --help)
 */

import { backendOption, type Command, intOption } from '@befunet/common/node';
import { createBefunet } from '../src/model/befunet.js';
import { type BefunetPreset, befunetConfig } from '../src/model/config.js';
import { benchModel, formatBenchTable } from './lib/model-bench.js';
import { runScriptCommand } from './lib/script-command.js';

const benchCommand: Command = {
  summary: 'forward latency (batch 1), throughput and training step (batch N), peak memory, slowest kernels',
  options: {
    ...backendOption,
    preset: { type: 'string', default: 'tiny', description: 'paper, official or tiny' },
    size: { type: 'string', description: "input side in pixels (default: the preset's)" },
    batch: {
      type: 'string',
      default: '10',
      description: 'batch of the throughput and training measurements',
    },
    runs: { type: 'string', default: '10', description: 'timed runs per measurement' },
    'no-train': { type: 'boolean', default: false, description: 'skip the training step' },
    'no-replay': {
      type: 'boolean',
      default: false,
      description: 'on WebGPU, skip the forward passes replayed from a capture',
    },
    json: { type: 'boolean', default: false, description: 'print JSON instead of a table' },
  },
  async run(o) {
    const preset = String(o.preset) as BefunetPreset;
    const overrides = o.size === undefined ? {} : { imageSize: intOption(o, 'size', 32, 4096) };
    const model = createBefunet(befunetConfig(preset, overrides));
    const result = await benchModel(model, {
      batch: intOption(o, 'batch', 1, 1024),
      runs: intOption(o, 'runs', 1, 10_000),
      train: !o['no-train'],
      replay: !o['no-replay'],
      log: (line) => console.error(line),
    });
    model.dispose();
    console.log(o.json ? JSON.stringify(result, null, 2) : formatBenchTable([{ label: preset, result }]));
  },
};

await runScriptCommand('bench/model.ts', benchCommand);
