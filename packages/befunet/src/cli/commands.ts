/**
 * The commands of the `befunet` CLI. Every command takes `--backend auto|webgpu|cpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { runDemoJob } from '../jobs/demo-job.js';
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
      steps: { type: 'string', default: '200', description: 'training steps' },
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
