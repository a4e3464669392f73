/**
 * The commands of the `befunet` CLI. Every command takes `--backend auto|webgpu|cpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { benchModel, formatBenchTable } from '../bench/model-bench.js';
import { runDemoJob } from '../jobs/demo-job.js';
import { createBefunet } from '../model/befunet.js';
import { type BefunetPreset, befunetConfig } from '../model/config.js';
import { defaultFuzzTargets, formatFuzzTable, fuzzReaders } from '../reliability/fuzz-readers.js';
import { intOption, numberOption, type OptionSpecs } from './args.js';

export interface Command {
  summary: string;
  options: OptionSpecs;
  run(options: Record<string, string | boolean | undefined>): Promise<void>;
}

const backendOption = {
  backend: {
    type: 'string',
    default: 'auto',
    description: 'auto (webgpu when an adapter exists, else cpu), webgpu or cpu',
  },
} as const satisfies OptionSpecs;

export const COMMANDS: Record<string, Command> = {
  job: {
    summary:
      'the main job: train the tiny preset on synthetic images, evaluate Dice/HD95, save model + metrics',
    options: {
      ...backendOption,
      steps: { type: 'string', default: '400', description: 'training steps' },
      batch: { type: 'string', default: '4', description: 'images per step' },
      size: { type: 'string', default: '32', description: 'image side in pixels (multiple of 32)' },
      lr: { type: 'string', default: '0.005', description: 'Adam learning rate' },
      seed: { type: 'string', default: '1', description: 'seed of the data' },
      eval: { type: 'string', default: '8', description: 'held-out images for the evaluation' },
      out: { type: 'string', default: 'runs/job', description: 'output folder (model/, metrics.json)' },
    },
    async run(o) {
      const result = await runDemoJob({
        steps: intOption(o, 'steps', 1, 1_000_000),
        batch: intOption(o, 'batch', 1, 1024),
        size: intOption(o, 'size', 32, 1024),
        seed: intOption(o, 'seed', 0, 2 ** 31 - 1),
        evalImages: intOption(o, 'eval', 1, 10_000),
        learningRate: numberOption(o, 'lr', 1e-6, 1),
        outDir: String(o.out),
      });
      console.log(
        `loss ${result.firstLoss.toFixed(4)} -> ${result.lastLoss.toFixed(4)}; held-out mean Dice ${result.meanDice.toFixed(4)}, ` +
          `HD95 ${result.meanHd95.toFixed(2)} px; model and metrics in ${result.outDir}/`,
      );
    },
  },
  bench: {
    summary:
      'forward latency (batch 1), throughput and training step (batch N), peak memory, slowest kernels',
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
        log: (line) => console.error(line),
      });
      model.dispose();
      console.log(o.json ? JSON.stringify(result, null, 2) : formatBenchTable([{ label: preset, result }]));
    },
  },
  fuzz: {
    summary: 'seeded fuzzing of the file readers: cases, accepted, clear errors, crashes, hangs',
    options: {
      ...backendOption,
      seed: { type: 'string', default: '1', description: 'seed of the corruptions' },
      cases: {
        type: 'string',
        default: '100',
        description: 'cases of each kind (truncation, byte, header) per reader',
      },
    },
    async run(o) {
      const stats = fuzzReaders(defaultFuzzTargets(), {
        seed: intOption(o, 'seed', 0, 2 ** 31 - 1),
        casesPerKind: intOption(o, 'cases', 1, 1_000_000),
      });
      console.log(formatFuzzTable(stats));
      const bad = stats.flatMap((s) => [
        ...s.crashes.map((c) => `${s.reader} crash: ${c.case}: ${c.error}`),
        ...s.hangs.map((h) => `${s.reader} hang: ${h.case}: ${h.ms.toFixed(0)} ms`),
      ]);
      for (const line of bad) console.log(line);
      if (bad.length) process.exitCode = 1;
    },
  },
  info: {
    summary: 'print the active backend, TF.js version and memory',
    options: backendOption,
    async run() {
      console.log(
        JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, memory: tf.memory() }, null, 2),
      );
    },
  },
};
